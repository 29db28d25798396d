"""A guard in front of every view: no control character in the path or the query string.

/certificates/AB%00CD/ decodes to a path holding NUL; a view that looks the code up sends it to
PostgreSQL, which refuses it (a 500). Rather than trusting every view to clean every parameter,
the request is answered 400 here: JSON under /api/, a short Vietnamese page elsewhere. A query
string value may hold tab and line breaks (the check page's ?q= may carry a pasted message);
a path, and the names of query parameters, hold none.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.utils.html import escape
from django.utils.translation import gettext as _

_IN_PATH = re.compile("[\x00-\x1f\x7f-\x9f]")
_IN_VALUE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _bad_query(request: HttpRequest) -> bool:
    raw = request.META.get("QUERY_STRING", "")
    # A control character only arrives percent-encoded (or raw, from a broken client).
    if "%" not in raw and not _IN_PATH.search(raw):
        return False
    for name, values in request.GET.lists():
        if _IN_PATH.search(name) or any(_IN_VALUE.search(v) for v in values):
            return True
    return False


def _refusal(request: HttpRequest) -> HttpResponse:
    detail = _("Địa chỉ hoặc tham số truy vấn chứa ký tự điều khiển (như NUL), không được phép.")
    if request.path_info.startswith("/api/"):
        return JsonResponse(
            {"detail": detail}, status=400, json_dumps_params={"ensure_ascii": False}
        )
    title = _("Yêu cầu không hợp lệ")
    page = (
        '<!doctype html><html lang="vi"><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><h1>{escape(title)}</h1><p>{escape(detail)}</p>"
        f'<p><a href="/">{escape(_("Trang chủ"))}</a></p></html>'
    )
    return HttpResponse(page, status=400, content_type="text/html; charset=utf-8")


def refuse_control_characters(
    get_response: Callable[[HttpRequest], HttpResponseBase],
) -> Callable[[HttpRequest], HttpResponseBase]:
    def middleware(request: HttpRequest) -> HttpResponseBase:
        if _IN_PATH.search(request.path_info) or _bad_query(request):
            return _refusal(request)
        return get_response(request)

    return middleware
