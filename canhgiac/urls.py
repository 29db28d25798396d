from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from . import views
from .admin_site import CanhGiacAdminSite
from .api import api

# The admin site, like every staff page, requires the TOTP second factor; it has the project's
# titles and a Vietnamese sign-in form (canhgiac/admin_site.py).
admin.site.__class__ = CanhGiacAdminSite

# Machines call the API far more often than people open pages: resolve it first.
urlpatterns = [
    path("api/", api.urls),
    # Then the links of drill mail (/d/…): a campaign's clicks and pixels come by the thousand.
    path("", include("drills.urls_tracking")),
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("staff/", include("orgs.urls")),
    path("", include("reports.urls")),
    path("", include("lookup.urls")),
    path("", include("detection.urls")),
    path("", include("training.urls")),
    path("", include("bulletins.urls")),
    path("", include("drills.urls")),
    path("", include("dashboard.urls")),
    path("", include("tipline.urls")),
    path("admin/", admin.site.urls),
]

if settings.BENCH_FLOOR_ENDPOINT:
    # Under /api/ like the check API, so that the API's middleware paths apply to it too; first,
    # so that resolving it costs the least (it measures everything around a view).
    urlpatterns.insert(0, path("api/bench-floor", views.bench_floor, name="bench-floor"))
