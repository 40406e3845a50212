"""How a script's source is stored: zlib-compressed UTF-8 plus a SHA-512 checksum (§1.5).

Shared by the API (which stores scripts) and the module (which runs them).
"""
import hashlib
import zlib


def compress(source: str) -> bytes:
    return zlib.compress(source.encode('utf-8'))


def decompress(data: bytes) -> str:
    return zlib.decompress(data).decode('utf-8')


def checksum(source: str) -> str:
    """SHA-512 hex digest of the UTF-8 source, as the API shows it."""
    return hashlib.sha512(source.encode('utf-8')).hexdigest()
