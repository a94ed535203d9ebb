from django.urls import path

from tutor_lessons.api import views

app_name = "lessons"

urlpatterns = [
    path("", views.LessonCreateView.as_view(), name="lesson-create"),
    path("my/", views.CalendarView.as_view(), name="calendar"),
    path("<int:pk>/reschedule/", views.LessonRescheduleView.as_view(), name="lesson-reschedule"),
    path("<int:pk>/cancel/", views.LessonCancelView.as_view(), name="lesson-cancel"),
]
