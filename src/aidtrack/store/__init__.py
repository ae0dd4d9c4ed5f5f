"""The SQLite register file: opening, schema, migrations and shared read queries."""

from .db import Store, backup_to, default_operator, default_path, open_store, schema_version

__all__ = ["Store", "backup_to", "default_operator", "default_path", "open_store", "schema_version"]
