"""Routes under ``/api/me/profile/``; composed into the namespace by ``api.urls``."""

from django.urls import path

from tutor_marketplace.api import views

urlpatterns = [
    path("", views.ProfileView.as_view(), name="profile"),
    path("availability/", views.AvailabilityView.as_view(), name="availability"),
    path("autosave/", views.AutosaveView.as_view(), name="autosave"),
    path("autosave/diff/", views.AutosaveDiffView.as_view(), name="autosave-diff"),
    path("autosave/publish/", views.AutosavePublishView.as_view(), name="autosave-publish"),
]
