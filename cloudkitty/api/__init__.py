"""The REST API: one pecan application serving ``/``, ``/v1`` (WSME) and ``/v2``."""
