"""The packages' "models and migrations agree" test, in one place."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command


def assert_no_missing_migration(app_label: str) -> None:
    """``makemigrations --check`` for ``app_label``: a model change without its migration."""
    output = StringIO()
    try:
        call_command(
            "makemigrations", app_label, check=True, dry_run=True, stdout=output, stderr=output
        )
    except SystemExit:
        pytest.fail(f"{app_label}'s models changed without a migration:\n{output.getvalue()}")
