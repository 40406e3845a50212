"""PyScripts rating module (entry point ``pyscripts``)."""
from cloudkitty.rating.pyscripts.processor import PyScripts

__all__ = ['PyScripts']
