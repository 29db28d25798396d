from django.urls import path

from . import views

app_name = "detection"

urlpatterns = [
    path("kiem-tra-tin-nhan/", views.check_message, name="check"),
    path("staff/detection/model/", views.model_card, name="model-card"),
]
