"""The metadata store: SQLModel tables, repositories and the RAW file store (the only place that imports
sqlmodel/sqlalchemy)."""
