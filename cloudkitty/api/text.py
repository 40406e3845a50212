"""Text accepted from API callers: refuse what no database can store or compare.

PostgreSQL text cannot hold a NUL character, and no UTF-8 database driver can
encode an unpaired surrogate (JSON's ``"\\ud800"``): either one reaching a
query is a driver error, so every API input is checked before any is used.
"""
from __future__ import annotations

from typing import Any

#: Containers are walked at most this deep (JSON nesting deeper than that is
#: refused too: the stdlib decoder itself stops near 1000).
_MAX_DEPTH = 100


def _reason(text: str) -> str | None:
    if '\x00' in text:
        return 'NUL characters are not accepted'
    if not text.isascii():
        try:
            text.encode('utf-8')
        except UnicodeEncodeError:
            return 'unpaired UTF-16 surrogates are not valid text'
    return None


def unstorable(value: Any, depth: int = 0) -> str | None:
    """Why ``value`` (a string, or JSON containers of them) is refused; None if not."""
    if isinstance(value, str):
        return _reason(value)
    if depth > _MAX_DEPTH:
        return 'nesting deeper than %d levels is not accepted' % _MAX_DEPTH
    if isinstance(value, dict):
        for key, item in value.items():
            reason = unstorable(key, depth + 1) or unstorable(item, depth + 1)
            if reason:
                return reason
    elif isinstance(value, (list, tuple)):
        for item in value:
            reason = unstorable(item, depth + 1)
            if reason:
                return reason
    return None
