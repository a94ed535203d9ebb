"""The sample package's API: a view that reads, refuses and validates; two paginated lists."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from tests.sample.models import Note
from tests.sample.package import (
    ItemConflict,
    SampleError,
    SampleReadThrottle,
    SampleWriteThrottle,
)
from tutor_core.api.fields import UserField
from tutor_core.api.views import TutorAPIView
from tutor_core.cursors import SignedCursors
from tutor_core.pagination import KeysetPagination


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
            raise ItemConflict(item=7)
        if 13 in data["items"]:
            raise SampleError("sample_busy")
        return Response({"owner": data["owner"].pk, "items": data["items"]}, status=201)


class NoteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Note
        fields = ["id", "kind", "price", "created"]


CURSORS = SignedCursors(salt="tests.sample.cursor")


class NotePagination(KeysetPagination):
    """The user's notes, newest first; a cursor is bound to its user and its ``kind``."""

    cursors = CURSORS
    listing = "notes"
    field = "created"
    max_page_size = 5
    filter_params = ("kind",)


class NotesView(TutorAPIView, generics.ListAPIView):
    read_throttle = SampleReadThrottle
    serializer_class = NoteSerializer
    pagination_class = NotePagination

    def get_queryset(self) -> QuerySet[Note]:
        notes = Note.objects.filter(owner=self.request.user)
        kind = self.request.query_params.get("kind")
        return notes.filter(kind=kind) if kind else notes


class PricePagination(KeysetPagination):
    """Everyone's notes, cheapest first: no owner; every refusal is the sample's code."""

    cursors = CURSORS
    listing = "notes-by-price"
    field = "price"
    descending = False
    owner_bound = False

    def cursor_error(self, code: str) -> Exception:
        return SampleError("invalid_cursor")


class NotesByPriceView(TutorAPIView, generics.ListAPIView):
    serializer_class = NoteSerializer
    pagination_class = PricePagination
    queryset = Note.objects.all()
