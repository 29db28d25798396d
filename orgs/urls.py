from django.urls import path

from . import staff_views, views

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
    path("partner-keys/", staff_views.partner_keys, name="partner-keys"),
    path(
        "partner-keys/<int:pk>/revoke/", staff_views.partner_key_revoke, name="partner-key-revoke"
    ),
    path("locked-accounts/", staff_views.locked_accounts, name="unlock-accounts"),
    path("locked-accounts/unlock/", staff_views.unlock_account, name="unlock-account"),
]
