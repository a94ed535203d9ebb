"""How not to mount the API: two includes under one instance namespace (urls.W005)."""

from django.urls import include, path

urlpatterns = [
    path("api/tutor/relations/", include("tutor_relations.api.tutor_urls")),
    path("api/student/relations/", include("tutor_relations.api.student_urls")),
]
