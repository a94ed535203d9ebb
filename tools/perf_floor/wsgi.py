"""WSGI entry point of the floor: ``gunicorn perf_floor.wsgi`` from ``tools/``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "perf_floor.settings")

application = get_wsgi_application()
