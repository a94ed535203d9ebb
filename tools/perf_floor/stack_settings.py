"""The example project's settings as they are, with ``stack_urls`` as the URLconf."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "perf_floor.stack_urls"
