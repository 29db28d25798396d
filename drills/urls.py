from django.urls import URLPattern, URLResolver, include, path

from . import views, views_results

# Staff pages under the "drills" namespace; the tracking URLs (short, they sit in mail) keep
# their own names (urls_tracking).
staff_patterns: list[URLPattern | URLResolver] = [
    path("", views.campaign_list, name="campaigns"),
    path("new/", views.campaign_create, name="campaign-create"),
    path("<int:pk>/", views.campaign_detail, name="campaign"),
    path("<int:pk>/<slug:action>/", views.campaign_action, name="campaign-action"),
    path("approvals/", views.approval_list, name="approvals"),
    path("approvals/<int:pk>/", views.approval_detail, name="approval"),
    path("results/", views_results.results, name="results"),
    path("results.xlsx", views_results.results_xlsx, name="results-xlsx"),
]

# The tracking URLs (drills.urls_tracking) are in the root URL conf, near its top.
urlpatterns: list[URLPattern | URLResolver] = [
    path("staff/drills/campaigns/", include((staff_patterns, "drills"))),
]
