"""Settings, URLs and cross-cutting plumbing (logging, metrics) of the example project."""
