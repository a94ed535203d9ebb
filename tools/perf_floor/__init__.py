"""The floor of ``nox -s perf``: Django + DRF with one empty view and nothing else.

``settings`` and ``urls`` are the floor (no middleware, no authentication, no
database); ``stack_settings`` and ``stack_urls`` serve the example project unchanged
with that same view first, so that its middleware's cost shows on its own.
"""
