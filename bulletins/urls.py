from django.urls import URLPattern, URLResolver, path

from . import feeds, urls_deliveries, urls_subscriptions, views

app_name = "bulletins"

urlpatterns: list[URLPattern | URLResolver] = [
    # Public, no account: the list, each bulletin and each of its revisions, the feeds.
    path("canh-bao/", views.public_list, name="list"),
    path("canh-bao/rss/", feeds.AllRss(), name="feed-rss"),
    path("canh-bao/atom/", feeds.AllAtom(), name="feed-atom"),
    path("canh-bao/loai/<slug:kind>/rss/", feeds.KindRss(), name="kind-feed-rss"),
    path("canh-bao/loai/<slug:kind>/atom/", feeds.KindAtom(), name="kind-feed-atom"),
    path("canh-bao/anh/<int:pk>/", views.public_image, name="image"),
    path("canh-bao/<slug:slug>/", views.public_detail, name="detail"),
    path("canh-bao/<slug:slug>/ban/<int:number>/", views.public_revision, name="revision"),
    # Editors.
    path("staff/bulletins/", views.staff_list, name="staff-list"),
    path("staff/bulletins/new/", views.staff_create, name="staff-create"),
    path("staff/bulletins/from-case/<int:case_pk>/", views.staff_from_case, name="staff-from-case"),
    path("staff/bulletins/<int:pk>/", views.staff_detail, name="staff-detail"),
    path("staff/bulletins/<int:pk>/edit/", views.staff_edit, name="staff-edit"),
    # No argument in the path: the request size limit is set per URL name (canhgiac.middleware).
    path("staff/bulletins/images/upload/", views.staff_add_image, name="staff-image"),
    path("staff/bulletins/images/<int:pk>/", views.staff_image_file, name="staff-image-file"),
    path("staff/bulletins/<int:pk>/<slug:action>/", views.staff_action, name="staff-action"),
    # Deliveries (h16c), subscriptions and channels (h16b).
    *urls_deliveries.urlpatterns,
    *urls_subscriptions.urlpatterns,
]
