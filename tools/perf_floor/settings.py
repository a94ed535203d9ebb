"""Settings of the floor: Django and DRF with nothing a project adds.

No middleware, no authentication, no database, DEBUG off. DRF's renderers, parsers
and content negotiation are its defaults, as in the example project.
"""

SECRET_KEY = "perf-floor-signs-nothing"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = ["rest_framework"]
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "perf_floor.urls"
WSGI_APPLICATION = "perf_floor.wsgi.application"
DATABASES: dict[str, dict] = {}

USE_TZ = True

REST_FRAMEWORK = {
    # Without django.contrib.auth installed DRF must not build an AnonymousUser.
    "UNAUTHENTICATED_USER": None,
}
