"""django-tutor-marketplace: tutor profiles, a cached tutor listing and an autosave diff."""

__version__ = "0.9.0"
