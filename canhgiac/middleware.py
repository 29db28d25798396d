from collections.abc import Callable
from functools import lru_cache
from typing import TypeAlias

from csp.constants import HEADER
from csp.middleware import CSPMiddleware
from csp.utils import DIRECTIVES_T, build_policy
from django.conf import settings
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.messages.storage import default_storage
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import get_script_prefix, reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.functional import SimpleLazyObject, empty
from django.utils.translation import gettext as _

API_PREFIX = "/api/"
MB = 1024 * 1024

# Django's function middleware: given the next handler, the handler to use instead.
Handler: TypeAlias = Callable[[HttpRequest], HttpResponseBase]


def language_middleware(get_response: Handler) -> Handler:
    """Vietnamese first: the page is in Vietnamese unless the person chose another language
    with the switcher (a cookie). The browser's Accept-Language is not consulted, because many
    phones here are set to English while their owners read Vietnamese best."""
    available = {code for code, _name in settings.LANGUAGES}

    def middleware(request: HttpRequest) -> HttpResponseBase:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in available else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ["Cookie"])
        return response

    return middleware


# Attributes through which a view changes the policy of its own response (django-csp).
_PER_RESPONSE = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_exempt",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
    "_csp_exempt_ro",
)


class LazyMessageMiddleware(MessageMiddleware):
    """Django's messages, with the storage made when a view or template first uses it.

    Django builds the cookie and session storages (and a cookie signer) for every request; the
    lookup API, most of the traffic, never shows a message, and building them took a few per
    cent of each of its requests."""

    def process_request(self, request: HttpRequest) -> None:
        # Where Django's messages keep their storage; django-stubs does not declare it.
        request._messages = SimpleLazyObject(lambda: default_storage(request))  # type: ignore[attr-defined]

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        stored = getattr(request, "_messages", None)
        # `_wrapped` is `empty` until the object is first used (django-stubs does not declare it).
        if isinstance(stored, SimpleLazyObject) and stored._wrapped is empty:  # type: ignore[attr-defined]
            return response  # no message was added or read: nothing to store or clear
        return super().process_response(request, response)


class CachedCSPMiddleware(CSPMiddleware):
    """django-csp builds the same header anew for every response. Without a nonce and without
    per-view changes (API answers, feeds, most pages) the header only depends on the settings,
    so it is built once per process and reused."""

    _built: tuple[int, str] | None = None

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if (
            getattr(request, "_csp_nonce", None) is not None
            or any(hasattr(response, name) for name in _PER_RESPONSE)
            or getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
            or settings.DEBUG
        ):
            return super().process_response(request, response)
        policy = settings.CONTENT_SECURITY_POLICY
        prefixes = tuple(policy.get("EXCLUDE_URL_PREFIXES") or ())
        if HEADER not in response and not (prefixes and request.path_info.startswith(prefixes)):
            response[HEADER] = self._header(policy)
        return response

    def _header(self, policy: DIRECTIVES_T) -> str:
        built = CachedCSPMiddleware._built
        if built is None or built[0] != id(policy):  # settings changed (tests override them)
            CachedCSPMiddleware._built = built = (id(policy), build_policy())
        return built[1]


# --- Request size ---------------------------------------------------------------------------


def _base64_size(size: int) -> int:
    return (size + 2) // 3 * 4


def default_body_limits() -> dict[str, int]:
    """The largest body of each URL that takes one (by URL name), fitted to what it documents:
    the uploads plus room for the text around them. Every other URL: REQUEST_MAX_BYTES."""
    from bulletins.images import MAX_UPLOAD_BYTES as MAX_BULLETIN_IMAGE
    from lookup.api import MAX_BATCH
    from lookup.verdicts import MAX_VALUE_CHARS
    from orgs.services import MAX_CSV_BYTES
    from reports import importing
    from reports.evidence import MAX_BYTES, MAX_FILES
    from tipline.webhooks import MAX_BODY as MAX_EVENT_BYTES

    form = MAX_FILES * MAX_BYTES + MB
    return {
        "reports:form": form,
        "reports:appeal-form": form,
        # Evidence travels in base64 inside the JSON: 4/3 of the file.
        "api:submit": MAX_FILES * _base64_size(MAX_BYTES) + MB,
        # 1,000 values of 2,048 characters, each character written \uXXXX (6 bytes) by a JSON
        # encoder that escapes every non-ASCII letter, as Python's does unless told otherwise.
        "api:check_batch": MAX_BATCH * (MAX_VALUE_CHARS * 6 + 16) + 64 * 1024,
        # The file, or pasted text of up to 500,000 characters (up to 2 MB in UTF-8).
        "reports:import": importing.MAX_BYTES + 3 * MB,
        "unit-import": MAX_CSV_BYTES + MB,
        "bulletins:staff-image": MAX_BULLETIN_IMAGE + MB,
        # Chat events are small JSON: refused before they are read.
        "tipline:zalo-webhook": MAX_EVENT_BYTES,
        "tipline:bridge-events": MAX_EVENT_BYTES,
    }


@lru_cache(maxsize=8)
def _limits_by_path(overrides: tuple[tuple[str, int], ...], prefix: str) -> dict[str, int]:
    limits = {**default_body_limits(), **dict(overrides)}
    return {reverse(name): int(limit) for name, limit in limits.items()}


def body_limit(request: HttpRequest) -> int:
    """How many bytes of body request.path may carry (settings REQUEST_MAX_BYTES for any URL,
    REQUEST_MAX_BYTES_BY_URL {url name: bytes} for the ones that take more or less)."""
    overrides = tuple(sorted(getattr(settings, "REQUEST_MAX_BYTES_BY_URL", {}).items()))
    by_path = _limits_by_path(overrides, get_script_prefix())
    return by_path.get(request.path, int(getattr(settings, "REQUEST_MAX_BYTES", MB)))


def _size(limit: int) -> str:
    return f"{limit // MB} MB" if limit >= MB else f"{max(limit // 1024, 1)} kB"


# URLs outside /api/ whose clients are programs (chat webhooks): refused in JSON, not a page.
JSON_URL_NAMES = ("tipline:zalo-webhook", "tipline:bridge-events")


@lru_cache(maxsize=8)
def _json_paths(prefix: str) -> frozenset[str]:
    return frozenset(reverse(name) for name in JSON_URL_NAMES)


def _refuse(request: HttpRequest, status: int, detail: str) -> HttpResponse:
    if request.path_info.startswith(API_PREFIX) or request.path in _json_paths(get_script_prefix()):
        return JsonResponse(
            {"detail": detail}, status=status, json_dumps_params={"ensure_ascii": False}
        )
    title = _("Nội dung gửi lên quá lớn") if status == 413 else _("Thiếu độ dài nội dung")
    context = {"title": title, "detail": detail, "status": status}
    return render(request, "413.html", context, status=status)


def limit_request_size(get_response: Handler) -> Handler:
    """Refuse a body larger than its URL takes before anything reads it: a 1 GB upload to the
    public report form would otherwise be read whole (and written to a temporary file) before
    the form says no. Django reads no more than the Content-Length it was told, so the declared
    length is the whole question. A body sent without one (chunked) would be read as empty, the
    fields silently lost; it is refused with 411. A proxy in front (nginx) sends the length."""

    def middleware(request: HttpRequest) -> HttpResponseBase:
        raw = request.META.get("CONTENT_LENGTH") or ""
        if not raw and "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            detail = _("Yêu cầu phải có Content-Length: không nhận nội dung gửi kiểu chunked.")
            return _refuse(request, 411, detail)
        try:
            length = int(raw or 0)
        except ValueError:
            length = 0  # Django reads nothing of a body whose length it cannot read either
        if length <= 0:  # most requests (every GET): nothing to measure
            return get_response(request)
        limit = body_limit(request)
        if length > limit:
            detail = _("Nội dung gửi lên quá lớn: địa chỉ này nhận tối đa %(size)s.") % {
                "size": _size(limit)
            }
            return _refuse(request, 413, detail)
        return get_response(request)

    return middleware


# --- JSON errors for the API ----------------------------------------------------------------


def _api_error_detail(status: int) -> str:
    details = {
        400: _("Yêu cầu không hợp lệ."),
        401: _("Cần xác thực để dùng địa chỉ này."),
        403: _("Không có quyền dùng địa chỉ này."),
        404: _("Không có địa chỉ API này."),
        405: _("Địa chỉ API này không nhận phương thức đã dùng."),
        413: _("Nội dung gửi lên quá lớn."),
        429: _("Gửi quá nhiều yêu cầu. Hãy thử lại sau một phút."),
    }
    if status >= 500:
        return _("Lỗi máy chủ. Hãy thử lại sau ít phút.")
    return details.get(status, _("Yêu cầu không thực hiện được."))


def api_json_errors(get_response: Handler) -> Handler:
    """Whatever answers an error under /api/ outside the API's own handlers (an unknown
    address, a method the address does not take, Django's 400, 403 or 500 pages) answers it
    as JSON with a Vietnamese detail, as the API itself does."""

    def middleware(request: HttpRequest) -> HttpResponseBase:
        response = get_response(request)
        if (
            response.status_code < 400
            or not request.path_info.startswith(API_PREFIX)
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        answer = JsonResponse(
            {"detail": _api_error_detail(response.status_code)},
            status=response.status_code,
            json_dumps_params={"ensure_ascii": False},
        )
        for header in ("Allow", "Retry-After", "Content-Language", "Vary"):
            if header in response:
                answer[header] = response[header]
        return answer

    return middleware
