"""The editors' delivery pages, included by bulletins/urls.py (names in the `bulletins`
namespace)."""

from django.urls import URLPattern, path

from . import views_deliveries

urlpatterns: list[URLPattern] = [
    path(
        "staff/bulletin-deliveries/<int:pk>/",
        views_deliveries.bulletin_deliveries,
        name="deliveries",
    ),
    path(
        "staff/bulletin-deliveries/item/<int:item_pk>/retry/",
        views_deliveries.retry_delivery,
        name="delivery-retry",
    ),
]
