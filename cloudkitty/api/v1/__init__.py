"""API v1: pecan + WSME controllers."""
