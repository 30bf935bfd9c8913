"""Persistence: SQLAlchemy tables, repositories returning domain objects, Alembic migrations.

ORM rows never leave this package.
"""

from shturman.store.database import Database

__all__ = ["Database"]
