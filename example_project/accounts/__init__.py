"""Users of the example project: a custom user with a display name and an IANA zone."""
