"""django-tutor-lessons: lessons and a time-zone aware calendar for tutoring platforms."""

__version__ = "0.9.0"
