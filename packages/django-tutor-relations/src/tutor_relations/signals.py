"""The signal sent once a relation's status change has been committed.

``relation_status_changed`` is sent with ``sender=TutorStudentRelation`` and the keyword
arguments ``relation`` (the committed instance), ``previous_status`` (``""`` when the
relation was just created), ``new_status``, ``actor`` (the user who made the change) and
``source`` (``"single"`` or ``"batch"``). A batch sends it once per relation it changed.
Receivers run after the transaction commits, so an exception in a receiver cannot undo
the change; it is logged at error level with the relation id.
"""

from django.dispatch import Signal

relation_status_changed = Signal()
