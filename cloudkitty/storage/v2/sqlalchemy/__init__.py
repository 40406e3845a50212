"""The v2 ``sqlalchemy`` storage backend (entry point ``sqlalchemy``)."""
from cloudkitty.storage.v2.sqlalchemy.storage import SQLAlchemyStorage

__all__ = ['SQLAlchemyStorage']
