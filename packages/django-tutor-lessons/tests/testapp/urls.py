from django.urls import include, path

urlpatterns = [path("api/lessons/", include("tutor_lessons.api.urls"))]
