"""API v2: pecan controllers reproducing the upstream Flask wire format."""
