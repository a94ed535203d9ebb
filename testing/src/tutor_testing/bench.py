"""What the packages' benchmarks share: their test host, and a throwaway test database."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def set_up(benchmark_file: str) -> None:
    """Django on the package's test host (``tests.settings``) for a benchmark script."""
    sys.path.insert(0, str(Path(benchmark_file).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()


@contextmanager
def test_database() -> Iterator[None]:
    """A test database (created from ``DATABASE_URL``'s) for the block, dropped after it."""
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
