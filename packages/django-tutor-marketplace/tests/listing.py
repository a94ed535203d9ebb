"""The listing's URL and its cache header, for the cache tests."""

from django.urls import reverse

LISTING = reverse("marketplace:tutor-list")


def x_cache(client, params=None):
    return client.get(LISTING, params or {})["X-Cache"]
