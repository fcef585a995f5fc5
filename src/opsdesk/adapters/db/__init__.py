"""Storage on SQLite (the default) and PostgreSQL: SQLAlchemy tables, the engine, Alembic migrations."""
