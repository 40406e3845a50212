"""What every hashmap controller needs from the request."""
from __future__ import annotations

import pecan

from cloudkitty.common import context
from cloudkitty.db import hashmap


def rules() -> hashmap.HashMapRules:
    """The hashmap rules of the application's database."""
    return hashmap.HashMapRules(pecan.request.db)


def audit_user() -> str:
    """Who to record in ``created_by``/``updated_by``/``deleted_by``."""
    return context.audit_user(pecan.request.context)
