"""The example project's URLs, with the floor's empty view first.

First, so that the empty view costs no more URL resolution than on the floor and its
ratio to the floor is the middleware (and settings) alone; every other URL pays one
failed string match more, which is below what the benchmark can see. The star import
carries the project's ``handler404`` and friends over, should it ever define them.
"""

from config.urls import *  # noqa: F403
from config.urls import urlpatterns as project_urlpatterns
from perf_floor.urls import urlpatterns as floor_urlpatterns

urlpatterns = [*floor_urlpatterns, *project_urlpatterns]
