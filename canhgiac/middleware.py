from collections.abc import Callable

from csp.constants import HEADER
from csp.middleware import CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers


def language_middleware(get_response: Callable) -> Callable:
    """Vietnamese first: the page is in Vietnamese unless the person chose another language
    with the switcher (a cookie). The browser's Accept-Language is not consulted, because many
    phones here are set to English while their owners read Vietnamese best."""
    available = {code for code, _name in settings.LANGUAGES}

    def middleware(request: HttpRequest) -> HttpResponse:
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


class CachedCSPMiddleware(CSPMiddleware):
    """django-csp builds the same header anew for every response. Without a nonce and without
    per-view changes (API answers, feeds, most pages) the header only depends on the settings,
    so it is built once per process and reused."""

    _built: tuple[int, str] | None = None

    def process_response(self, request, response):
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

    def _header(self, policy: dict) -> str:
        built = CachedCSPMiddleware._built
        if built is None or built[0] != id(policy):  # settings changed (tests override them)
            CachedCSPMiddleware._built = built = (id(policy), build_policy())
        return built[1]
