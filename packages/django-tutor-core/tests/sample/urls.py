from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from tests.sample.views import ItemsView

urlpatterns = [
    path("items/", ItemsView.as_view(), name="items"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
]
