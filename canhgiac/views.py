import logging

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

log = logging.getLogger(__name__)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "canhgiac/home.html")


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever a page links (the admin, the API docs, a PDF): send
    them to the collected icon, which WhiteNoise serves with a long cache. A day here, so that
    a new icon (a new hashed name) reaches them."""
    response = redirect(static("canhgiac/favicon.ico"))
    patch_cache_control(response, public=True, max_age=86400)
    return response


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and monitors: 200 when the database answers, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        log.exception("healthz: database check failed")
        return JsonResponse({"status": "error", "database": "error"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


# Built once: the floor endpoint does no work of its own.
_FLOOR_BODY = b'{"status":"ok"}'


def bench_floor(request: HttpRequest) -> HttpResponse:
    """A fixed JSON answer, routed only when settings.BENCH_FLOOR_ENDPOINT is on: bench/lookup.py
    times it on the same server as the check API, so the checks' rate can be set against what
    gunicorn, Django's middleware and the network allow here."""
    return HttpResponse(_FLOOR_BODY, content_type="application/json")
