"""The listing's cache header, for the cache tests."""

from tests.routes import LISTING


def x_cache(client, params=None):
    return client.get(LISTING, params or {})["X-Cache"]
