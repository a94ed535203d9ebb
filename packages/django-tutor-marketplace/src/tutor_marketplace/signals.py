"""Signals sent once a marketplace change has been committed.

Each is sent with ``sender=TutorProfile`` and the keyword arguments ``profile`` and
``actor``. Receivers run after the transaction commits, robustly: one that raises is
logged and cannot undo the change or fail the response.
"""

from django.dispatch import Signal

#: The profile (or its subjects) changed through the API or a publish.
profile_updated = Signal()
#: The weekly availability was replaced.
availability_replaced = Signal()
