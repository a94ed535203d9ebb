"""The tutor's side, for a host that mounts it on its own: ``/api/tutor/relations/``.

Most hosts include ``tutor_relations.api.urls`` once instead. Mounting this module and
``student_urls`` separately needs an instance namespace for each (see the README): two
includes with one namespace could not both be reversed.
"""

from django.urls import path

from tutor_relations.api import views

app_name = "relations"

urlpatterns = [
    path("students/", views.TutorStudentsView.as_view(), name="tutor-students"),
    path("recent-actions/", views.RecentActionsView.as_view(), name="tutor-recent-actions"),
    path("batch/accept/", views.BatchAcceptView.as_view(), name="tutor-batch-accept"),
    path("batch/archive/", views.BatchArchiveView.as_view(), name="tutor-batch-archive"),
    path("<int:pk>/accept/", views.RelationAcceptView.as_view(), name="tutor-accept"),
    path("<int:pk>/archive/", views.RelationArchiveView.as_view(), name="tutor-archive"),
    path("<int:pk>/timeline/", views.TimelineView.as_view(), name="tutor-timeline"),
]
