"""The site's URL conf plus a staff page nobody protected, one protected only by sign-in and
one that checks the permission but not the unit: the generated access test must name each
(test_access_generated's self-test)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path

from canhgiac.urls import urlpatterns as site_patterns
from orgs.access import staff_required
from orgs.models import Permission
from reports.models import Case


def forgotten_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("danh sách nội bộ")


@staff_required()
def signed_in_only_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("danh sách nội bộ")


@staff_required(Permission.VERIFY_REPORTS)
def unscoped_case_view(request: HttpRequest, pk: int) -> HttpResponse:
    # Any verifier opens any case: no units_for/require_unit.
    return HttpResponse(str(get_object_or_404(Case, pk=pk).pk))


urlpatterns = [
    *site_patterns,
    path("staff/forgotten/", forgotten_view, name="forgotten"),
    path("staff/signed-in-only/", signed_in_only_view, name="signed-in-only"),
    path("staff/unscoped/<int:pk>/", unscoped_case_view, name="unscoped-case"),
]
