"""The marketplace's URLs, as the suite's host mounts them."""

from django.urls import reverse

PROFILE = reverse("marketplace:profile")
SLOTS = reverse("marketplace:availability")
AUTOSAVE = reverse("marketplace:autosave")
DIFF = reverse("marketplace:autosave-diff")
PUBLISH = reverse("marketplace:autosave-publish")
LISTING = reverse("marketplace:tutor-list")
