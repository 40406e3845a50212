"""A rating service compatible with OpenStack CloudKitty 25.0.0."""
