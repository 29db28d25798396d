from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "dashboard"

urlpatterns: list[URLPattern | URLResolver] = [
    path("thong-ke/", views.public, name="public"),
    path("staff/dashboard/", views.home, name="home"),
    path("staff/dashboard/<str:code>/", views.unit, name="unit"),
    path("staff/dashboard/<str:code>/xlsx/", views.unit_xlsx, name="unit-xlsx"),
    path("staff/dashboard/<str:code>/pdf/", views.unit_pdf, name="unit-pdf"),
]
