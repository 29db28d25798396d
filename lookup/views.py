"""The public check page and the partner feeds."""

from __future__ import annotations

import logging
import re
from typing import TypedDict

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from detection.analysis import Analysis, analyse_message
from indicators.matcher import current_version
from lib.gates import partner_key, rate_limited
from lib.text import TextError, clean_text
from orgs.partners import Partner

from . import feeds
from .verdicts import MAX_MESSAGE_CHARS, PageResult, check_text

logger = logging.getLogger(__name__)

# The look of the analysis, shown with a message's result (detection's partial).
ANALYSIS_CSS = "detection/detection.css"


def _analyse(text: str) -> Analysis:
    return analyse_message(text)


def analysis_of(text: str) -> Analysis | None:
    """detection's analysis of a pasted message; None when it fails, which is logged: the
    verdict of each indicator is still worth showing."""
    try:
        return _analyse(text)
    except Exception:  # noqa: BLE001 (a detection bug must not take the check page down)
        logger.exception("detection.analysis.analyse_message failed")
        return None


# --- the check page ---------------------------------------------------------------------------


class PageContext(TypedDict, total=False):
    q: str
    max_chars: int
    status: int
    result: PageResult
    analysis_css: str


def _page(request: HttpRequest, context: PageContext) -> HttpResponse:
    context["analysis_css"] = ANALYSIS_CSS
    htmx = bool(getattr(request, "htmx", False))  # django_htmx's middleware sets it
    template = "lookup/check.html#result" if htmx else "lookup/check.html"
    # An htmx swap of a 4xx answer would need configuration; the error is in the partial.
    status = 200 if htmx else context["status"]
    return render(request, template, context, status=status)


def _too_many(request: HttpRequest, q: str) -> HttpResponse:
    error = _("Bạn tra cứu quá nhiều lần. Hãy thử lại sau một phút.")
    result = PageResult(text=q, error=error)
    return _page(request, {"q": q, "max_chars": MAX_MESSAGE_CHARS, "status": 429, "result": result})


@never_cache
@require_http_methods(["GET", "POST"])
def check(request: HttpRequest) -> HttpResponse:
    """One box for a link, domain, phone, account, email or a whole message. The form posts
    (a pasted message may hold personal details, which should not land in URLs and access
    logs); ?q= answers too, for links and bookmarks of a single value."""
    q = request.POST.get("q") if request.method == "POST" else request.GET.get("q")
    q = (q or "")[: MAX_MESSAGE_CHARS + 1]
    try:
        q = clean_text(q, multiline=True)
    except TextError as error:
        # NUL or a control character: said as any other refused value, never stored or shown.
        result = PageResult(text="", error=str(error))
        return _page(
            request, {"q": "", "max_chars": MAX_MESSAGE_CHARS, "status": 400, "result": result}
        )
    if q.strip():
        return _checked(request, q)
    return _page(request, {"q": q, "max_chars": MAX_MESSAGE_CHARS, "status": 200})


@rate_limited(
    "lookup-page",
    setting="LOOKUP_PAGE_RATE_PER_IP",
    default=60,
    refuse=_too_many,
    reserved=True,  # as the API: lookup/limits.py
)
def _checked(request: HttpRequest, q: str) -> HttpResponse:
    result = check_text(q)
    if not result.error and result.is_message:
        result.analysis = analysis_of(result.text)
    status = 400 if result.error else 200
    return _page(
        request, {"q": q, "max_chars": MAX_MESSAGE_CHARS, "status": status, "result": result}
    )


# --- feeds ------------------------------------------------------------------------------------


_VERSION = re.compile(r"[0-9]{1,18}")


def _plain(status: int, text: str) -> HttpResponse:
    return HttpResponse(text + "\n", status=status, content_type="text/plain; charset=utf-8")


def _feed_key(request: HttpRequest) -> str:
    return request.headers.get("X-Api-Key") or request.GET.get("key", "")


def _no_key(request: HttpRequest, name: str) -> HttpResponse:
    response = _plain(
        401, _("Cần khoá API của đối tác: gửi trong tiêu đề X-Api-Key (hoặc tham số key).")
    )
    response["WWW-Authenticate"] = 'ApiKey header="X-Api-Key"'
    return response


def _bad_key(request: HttpRequest, name: str) -> HttpResponse:
    return _plain(403, _("Khoá API không hợp lệ hoặc đã bị thu hồi."))


def _too_many_feeds(request: HttpRequest, name: str) -> HttpResponse:
    return _plain(429, _("Gửi quá nhiều yêu cầu. Hãy thử lại sau một phút."))


@require_safe
def feed(request: HttpRequest, name: str) -> HttpResponse | StreamingHttpResponse:
    if name not in feeds.FEEDS:
        return _plain(404, _("Không có nguồn dữ liệu “%(name)s”.") % {"name": name[:60]})
    return _partner_feed(request, name)


@partner_key(
    "lookup",  # a partner's feeds and lookups count together
    scope="feed",
    setting=None,
    default=0,
    key=_feed_key,
    missing_key=_no_key,
    bad_key=_bad_key,
    too_many=_too_many_feeds,
)
def _partner_feed(
    request: HttpRequest, _partner: Partner | None, name: str
) -> HttpResponse | StreamingHttpResponse:
    version = current_version()
    since = None
    if request.GET.get("since", "") != "":
        raw_since = request.GET["since"]
        # ASCII digits only: str.isdigit() also takes "²" (int() then fails) and "١" (read as 1).
        if not _VERSION.fullmatch(raw_since):
            return _plain(400, _("since phải là số phiên bản (số nguyên không âm)."))
        since = int(raw_since)
        if since > feeds.list_version(version):
            return _plain(
                400,
                _("Phiên bản %(since)d mới hơn phiên bản hiện tại %(version)d.")
                % {"since": since, "version": feeds.list_version(version)},
            )
    tag = feeds.etag(name, version, since, feeds.expiry_marker(version, timezone.now()))
    headers = {
        "ETag": tag,
        "X-List-Version": str(feeds.list_version(version)),
        "Cache-Control": "private, no-cache",
    }
    if feeds.etag_matches(request.headers.get("If-None-Match", ""), tag):
        not_modified = HttpResponse(status=304, headers=headers)
        patch_vary_headers(not_modified, ["Accept-Encoding"])
        return not_modified
    gzip = feeds.accepts_gzip(request.headers.get("Accept-Encoding", ""))
    content_type = feeds.FEEDS[name].content_type
    response: HttpResponse | StreamingHttpResponse
    if request.method == "HEAD":
        response = HttpResponse(status=200, headers=headers, content_type=content_type)
    else:
        pieces = feeds.generate(name, version=version, since=since)
        response = StreamingHttpResponse(
            feeds.encoded(pieces, gzip=gzip), headers=headers, content_type=content_type
        )
    if gzip:
        response["Content-Encoding"] = "gzip"
    patch_vary_headers(response, ["Accept-Encoding"])
    return response
