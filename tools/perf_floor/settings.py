"""Settings of the floor: Django and DRF's defaults, DEBUG off, nothing a project adds."""

SECRET_KEY = "perf-floor-signs-nothing"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = ["rest_framework"]
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "perf_floor.urls"
DATABASES: dict[str, dict] = {}
USE_TZ = True
# Without django.contrib.auth installed DRF must not build an AnonymousUser.
REST_FRAMEWORK = {"UNAUTHENTICATED_USER": None}
