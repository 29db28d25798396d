from django.urls import path

from . import views

app_name = "lookup"

urlpatterns = [
    path("kiem-tra/", views.check, name="check"),
    path("feeds/<str:name>", views.feed, name="feed"),
]
