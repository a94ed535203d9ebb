from django.contrib import admin
from django.urls import include, path
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView


class EmptyView(APIView):
    """The benchmark's baseline: the same authentication, nothing else."""

    @extend_schema(exclude=True)
    def get(self, request):
        return Response({})


urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("tutor_marketplace.api.urls")),
    path("empty/", EmptyView.as_view(), name="empty"),
]
