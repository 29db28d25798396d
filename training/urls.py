from django.urls import path

from . import manage_views, public_views, views

urlpatterns = [
    # Citizens, no account.
    path("hoc/", public_views.learn_index, name="learn-index"),
    path("hoc/kiem-tra/<slug:slug>/", public_views.learn_quiz, name="learn-quiz"),
    path("hoc/<slug:slug>/", public_views.learn_lesson, name="learn-lesson"),
    path("certificates/<str:code>/", public_views.certificate_verify, name="certificate-verify"),
    # Staff learners.
    path("staff/training/", views.my_training, name="training-mine"),
    path(
        "staff/training/assignments/<int:pk>/", views.assignment_detail, name="training-assignment"
    ),
    path(
        "staff/training/assignments/<int:pk>/lessons/<slug:slug>/",
        views.assignment_lesson,
        name="training-lesson",
    ),
    path("staff/training/assignments/<int:pk>/quiz/", views.quiz_start, name="training-quiz-start"),
    path("staff/training/attempts/<str:token>/", views.attempt_take, name="training-attempt"),
    path(
        "staff/training/attempts/<str:token>/result/",
        views.attempt_result,
        name="training-attempt-result",
    ),
    path(
        "staff/training/certificates/<str:code>.pdf",
        views.certificate_download,
        name="training-certificate-pdf",
    ),
    # Unit managers.
    path("staff/training/manage/", manage_views.manage_home, name="training-manage"),
    path("staff/training/manage/new/", manage_views.assignment_new, name="training-assign"),
    path("staff/training/progress/", manage_views.progress_page, name="training-progress"),
    path(
        "staff/training/progress.xlsx", manage_views.progress_export, name="training-progress-xlsx"
    ),
    path(
        "staff/training/progress/statements.json",
        manage_views.statements_export,
        name="training-statements",
    ),
]
