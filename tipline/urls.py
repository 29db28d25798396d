from django.urls import path

from . import webhooks

app_name = "tipline"

urlpatterns = [
    path("tipline/zalo/webhook", webhooks.zalo_webhook, name="zalo-webhook"),
    path("tipline/bridge/events", webhooks.bridge_events, name="bridge-events"),
]
