from django.urls import path

from . import views

urlpatterns = [
    path("", views.staff_home, name="staff-home"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("otp/", views.otp_verify, name="otp-verify"),
    path("otp/setup/", views.otp_setup, name="otp-setup"),
    path("units/", views.unit_list, name="unit-list"),
    path("units/export.csv", views.unit_export, name="unit-export"),
    path("units/import/", views.unit_import, name="unit-import"),
    path("units/<str:code>/", views.unit_detail, name="unit-detail"),
]
