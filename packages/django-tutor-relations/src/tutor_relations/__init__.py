"""django-tutor-relations: tutor-student relations, bulk actions and their audit log."""

__version__ = "0.9.0"
