"""The store: SQLAlchemy models, the engine, migrations (Alembic). Imports only core."""
