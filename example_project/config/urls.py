"""URLs of the example project: the reusable apps' APIs, docs, metrics and admin."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerView

from config.metrics import metrics_view
from config.schema_view import SchemaView

# DEBUG off: a database outage that no view handled (e.g. raised in a middleware) is a 503.
handler500 = "config.errors.server_error"

urlpatterns = [
    path("api/auth/", include("accounts.api.urls")),
    path("api/lessons/", include("tutor_lessons.api.urls")),
    # /api/tutor/relations/... and /api/student/relations/ (namespace "relations").
    path("api/", include("tutor_relations.api.urls")),
    # /api/marketplace/... and /api/me/profile/... (namespace "marketplace").
    path("api/", include("tutor_marketplace.api.urls")),
    # Generated once per process, throttled per address (config.schema_view).
    path("api/schema/", SchemaView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path(
        "api/redoc/",
        SpectacularRedocView.as_view(url_name="schema", template_name="api_docs/redoc.html"),
        name="redoc",
    ),
    # No authentication: restrict /metrics at the reverse proxy.
    path("metrics", metrics_view, name="prometheus-metrics"),
    path("admin/", admin.site.urls),
]
