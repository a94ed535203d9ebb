"""Signals sent once a lesson change has been committed.

Every signal is sent with ``sender=Lesson`` and the keyword arguments ``lesson`` (the
committed instance) and ``actor`` (the user who made the change). A future classroom
module, or the host, links back through ``lesson.pk``. Receivers run after the
transaction commits, so an exception in a receiver cannot undo the change.
"""

from django.dispatch import Signal

#: A lesson was created.
lesson_scheduled = Signal()
#: A lesson moved; also receives ``previous_start`` and ``previous_end``.
lesson_rescheduled = Signal()
#: A lesson was cancelled; ``lesson.cancelled_by`` and ``lesson.cancellation_reason``
#: say who cancelled it and why.
lesson_cancelled = Signal()
