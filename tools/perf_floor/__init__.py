"""The floor of ``nox -s perf``: a bare Django + DRF project with one empty view.

``settings``/``urls``/``views``/``wsgi`` are the floor itself: no middleware, no
authentication, no database, one DRF ``APIView`` answering ``{}``. ``stack_settings``
and ``stack_urls`` serve the example project unchanged plus that same view, so the
benchmark can measure the example project's middleware stack on its own. Only
``tools/perf.py`` uses this package.
"""
