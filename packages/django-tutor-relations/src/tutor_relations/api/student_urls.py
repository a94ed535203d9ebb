"""The student's side, for a host that mounts it on its own: ``/api/student/relations/``.

Most hosts include ``tutor_relations.api.urls`` once instead; see ``tutor_urls``.
"""

from django.urls import path

from tutor_relations.api import views

app_name = "relations"

urlpatterns = [
    path("", views.StudentRelationsView.as_view(), name="student-relations"),
]
