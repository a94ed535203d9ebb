"""Both sides under one namespace, ``relations``: include this module at ``api/``.

    path("api/", include("tutor_relations.api.urls"))

serves ``/api/tutor/relations/...`` and ``/api/student/relations/``, and every URL
reverses as ``relations:<name>`` (``relations:tutor-students``,
``relations:student-relations``, ...). The names of the two sides never collide.
"""

from django.urls import include, path

from tutor_relations.api import student_urls, tutor_urls

app_name = "relations"

urlpatterns = [
    path("tutor/relations/", include(tutor_urls.urlpatterns)),
    path("student/relations/", include(student_urls.urlpatterns)),
]
