"""Subscriptions (public) and channel accounts (admins); included by bulletins/urls.py."""

from django.urls import URLPattern, path

from . import views_channels, views_subscriptions

urlpatterns: list[URLPattern] = [
    # Public, no account (not under /canh-bao/, where a slug would take the name).
    path("nhan-canh-bao/", views_subscriptions.subscribe, name="subscribe"),
    path(
        "nhan-canh-bao/xac-nhan/<str:signed>/",
        views_subscriptions.confirm,
        name="subscribe-confirm",
    ),
    path("nhan-canh-bao/huy/<str:token>/", views_subscriptions.unsubscribe, name="unsubscribe"),
    # Admins: the Zalo and Facebook accounts.
    path("staff/bulletins/channels/", views_channels.channel_list, name="channels"),
    path("staff/bulletins/channels/<slug:key>/", views_channels.channel_edit, name="channel-edit"),
]
