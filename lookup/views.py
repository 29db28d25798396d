"""The public check page and the partner feeds."""

from __future__ import annotations

import importlib
import logging
import re
from functools import cache

from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from indicators.matcher import current_version
from lib.ratelimit import client_ip
from lib.text import TextError, clean_text

from . import feeds, limits
from .verdicts import MAX_MESSAGE_CHARS, PageResult, check_text

logger = logging.getLogger(__name__)

ANALYSIS_TEMPLATE = "detection/_analysis.html"
ANALYSIS_CSS = "detection/detection.css"


# --- the detection app, when it is there -------------------------------------------------------


def _analyser():
    """detection.analysis.analyse_message, if that app provides it (checked at run time: the
    check page works without it, showing the verdict of each indicator only)."""
    try:
        module = importlib.import_module("detection.analysis")
    except ImportError:
        return None
    analyse = getattr(module, "analyse_message", None)
    if not callable(analyse):
        return None
    try:
        get_template(ANALYSIS_TEMPLATE)
    except TemplateDoesNotExist:
        return None
    return analyse


@cache
def _analysis_css() -> str | None:
    return ANALYSIS_CSS if finders.find(ANALYSIS_CSS) else None


def analyse_message(text: str) -> object | None:
    analyse = _analyser()
    if analyse is None:
        return None
    try:
        return analyse(text)
    except Exception:  # the other app's failure must not take the check page down
        logger.exception("detection.analysis.analyse_message failed")
        return None


# --- the check page ---------------------------------------------------------------------------


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
        context: dict = {"q": "", "max_chars": MAX_MESSAGE_CHARS, "status": 400}
        context["result"] = PageResult(text="", error=str(error))
        q = ""
    else:
        context = {"q": q, "max_chars": MAX_MESSAGE_CHARS, "status": 200}
    if q.strip():
        ip = client_ip(request)
        if not limits.allow("page", ip, limit=limits.setting("LOOKUP_PAGE_RATE_PER_IP", 60)):
            context["status"] = 429
            context["result"] = PageResult(
                text=q, error=_("Bạn tra cứu quá nhiều lần. Hãy thử lại sau một phút.")
            )
        else:
            result = check_text(q)
            if result.error:
                context["status"] = 400
            elif result.is_message:
                result.analysis = analyse_message(result.text)
            context["result"] = result
    if _analyser() is not None:
        context["analysis_css"] = _analysis_css()
    template = "lookup/check.html#result" if request.htmx else "lookup/check.html"
    # An htmx swap of a 4xx answer would need configuration; the error is in the partial.
    status = 200 if request.htmx else context["status"]
    return render(request, template, context, status=status)


# --- feeds ------------------------------------------------------------------------------------


_VERSION = re.compile(r"[0-9]{1,18}")


def _plain(status: int, text: str) -> HttpResponse:
    return HttpResponse(text + "\n", status=status, content_type="text/plain; charset=utf-8")


@require_safe
def feed(request: HttpRequest, name: str) -> HttpResponse:
    if name not in feeds.FEEDS:
        return _plain(404, _("Không có nguồn dữ liệu “%(name)s”.") % {"name": name[:60]})
    raw = request.headers.get("X-Api-Key") or request.GET.get("key", "")
    if not raw:
        response = _plain(
            401, _("Cần khoá API của đối tác: gửi trong tiêu đề X-Api-Key (hoặc tham số key).")
        )
        response["WWW-Authenticate"] = 'ApiKey header="X-Api-Key"'
        return response
    access = limits.gate(request, "feed", ip_limit=0, key=raw)
    if access.status == 401:
        return _plain(403, _("Khoá API không hợp lệ hoặc đã bị thu hồi."))
    if access.status == 429:
        return _plain(429, _("Gửi quá nhiều yêu cầu. Hãy thử lại sau một phút."))

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
        response = HttpResponse(status=304, headers=headers)
        patch_vary_headers(response, ["Accept-Encoding"])
        return response
    gzip = feeds.accepts_gzip(request.headers.get("Accept-Encoding", ""))
    content_type = feeds.FEEDS[name].content_type
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
