"""The example project's settings as they are, with ``stack_urls`` as the URLconf.

``tools/perf.py`` serves the example project with these (``DJANGO_SETTINGS_MODULE``,
``tools/`` on ``PYTHONPATH``, run from ``example_project/``) so that the floor's empty
view sits behind the project's full middleware stack without a line of the example
project changing. Whatever the project's settings become, this follows.
"""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "perf_floor.stack_urls"
