"""Routes under ``/api/marketplace/``; composed into the namespace by ``api.urls``."""

from django.urls import path

from tutor_marketplace.api import views

urlpatterns = [path("tutors/", views.TutorListView.as_view(), name="tutor-list")]
