"""Hashmap rating module (entry point ``hashmap``)."""
from cloudkitty.rating.hashmap.processor import HashMap

__all__ = ['HashMap']
