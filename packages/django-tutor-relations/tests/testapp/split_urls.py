"""The other way to mount the API: each side on its own, with an instance namespace each."""

from django.urls import include, path

urlpatterns = [
    path(
        "api/tutor/relations/",
        include("tutor_relations.api.tutor_urls", namespace="tutor-relations"),
    ),
    path(
        "api/student/relations/",
        include("tutor_relations.api.student_urls", namespace="student-relations"),
    ),
]
