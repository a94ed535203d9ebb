from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from tests.sample.views import ItemsView, NotesByPriceView, NotesView

urlpatterns = [
    path("items/", ItemsView.as_view(), name="items"),
    path("notes/", NotesView.as_view(), name="notes"),
    path("notes/by-price/", NotesByPriceView.as_view(), name="notes-by-price"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
]
