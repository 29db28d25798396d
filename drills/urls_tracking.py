"""The drill's public URLs (short: they sit in mail) and the staff report button. The id is
checked by tracking.find_recipient (an unknown or malformed one is not found)."""

from django.urls import URLPattern, path

from . import views_tracking as views

urlpatterns: list[URLPattern] = [
    # First: "<id>+" would otherwise be read as an id ending in "+".
    path("d/<str:tracking_id>+", views.transparency, name="drill-transparency"),
    path("d/<str:tracking_id>", views.click, name="drill-click"),
    path("d/<str:tracking_id>/o.gif", views.pixel, name="drill-pixel"),
    path("d/<str:tracking_id>/trang/", views.landing, name="drill-landing"),
    path("d/<str:tracking_id>/b", views.beacon, name="drill-beacon"),
    path("d/<str:tracking_id>/s", views.submitted, name="drill-submitted"),
    path("d/<str:tracking_id>/hoc/", views.teach, name="drill-teach"),
    path("d/<str:tracking_id>/cam-on/", views.thanks, name="drill-thanks"),
    path("staff/drills/bao-cao/", views.report, name="drill-report"),
]
