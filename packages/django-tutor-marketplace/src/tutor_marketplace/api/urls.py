"""The marketplace API under one namespace, ``marketplace``, mounted once at ``api/``.

The package answers at two prefixes, ``/api/marketplace/`` and ``/api/me/profile/``.
Two ``include()`` lines with the same application namespace would make Django keep only
the first one's names for ``reverse()`` (system check ``urls.W005``), so the two route
modules are composed here and the host includes this module once::

    path("api/", include("tutor_marketplace.api.urls")),

Names: ``marketplace:tutor-list``, ``marketplace:profile``, ``marketplace:availability``,
``marketplace:autosave``, ``marketplace:autosave-diff``, ``marketplace:autosave-publish``.
"""

from django.urls import include, path

app_name = "marketplace"

urlpatterns = [
    path("marketplace/", include("tutor_marketplace.api.listing_urls")),
    path("me/profile/", include("tutor_marketplace.api.profile_urls")),
]
