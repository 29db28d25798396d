from django.urls import path

from . import staff_views, views

app_name = "reports"

urlpatterns = [
    # Public, no account: report, follow a report or appeal, appeal a listing.
    path("to-giac/", views.report_form, name="form"),
    path("to-giac/tim-dau-hieu/", views.extract_indicators, name="extract"),
    path("to-giac/theo-doi/", views.track, name="track"),
    path("to-giac/theo-doi/<str:code>/", views.track_code, name="track-code"),
    path("khieu-nai/", views.appeal_form, name="appeal-form"),
    # Verifiers.
    path("staff/reports/", staff_views.queue, name="queue"),
    path("staff/reports/cases/<int:pk>/", staff_views.case_detail, name="case"),
    path(
        "staff/reports/cases/<int:pk>/<slug:action>/",
        staff_views.case_action,
        name="case-action",
    ),
    path("staff/reports/evidence/<int:pk>/", staff_views.evidence_file, name="evidence"),
    path("staff/reports/appeals/", staff_views.appeal_list, name="appeals"),
    path("staff/reports/appeals/<int:pk>/", staff_views.appeal_detail, name="appeal"),
    path(
        "staff/reports/appeals/<int:pk>/<slug:action>/",
        staff_views.appeal_action,
        name="appeal-action",
    ),
    path("staff/reports/import/", staff_views.import_view, name="import"),
]
