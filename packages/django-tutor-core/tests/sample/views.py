"""The sample package's API: one view that reads, refuses and validates."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from tests.sample.package import SampleError, SampleReadThrottle, SampleWriteThrottle
from tutor_core.api.fields import UserField
from tutor_core.api.views import TutorAPIView


class ItemSerializer(serializers.Serializer):
    owner = UserField()
    items = serializers.ListField(child=serializers.IntegerField())


class ItemsView(TutorAPIView):
    read_throttle = SampleReadThrottle
    write_throttle = SampleWriteThrottle

    @extend_schema(responses={200: None})
    def get(self, request: Request) -> Response:
        return Response({"user": request.user.pk})

    @extend_schema(request=ItemSerializer, responses={201: ItemSerializer})
    def post(self, request: Request) -> Response:
        data = self.parse(ItemSerializer, request.data)
        if len(data["items"]) > 3:
            raise SampleError("too_many_items", count=len(data["items"]))
        if 7 in data["items"]:
            raise SampleError("item_conflict", item=7)
        if 13 in data["items"]:
            raise SampleError("sample_busy")
        return Response({"owner": data["owner"].pk, "items": data["items"]}, status=201)
