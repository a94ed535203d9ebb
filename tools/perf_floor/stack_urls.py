"""The example project's URLs with the floor's empty view first.

First, so that it costs no more URL resolution than on the floor: its ratio to the
floor is the middleware (and settings) alone. The star import carries ``handler404``
and friends over, should the project define them.
"""

from config.urls import *  # noqa: F403
from config.urls import urlpatterns as project_urlpatterns
from perf_floor.urls import urlpatterns as floor_urlpatterns

urlpatterns = [*floor_urlpatterns, *project_urlpatterns]
