"""The migrations build exactly the schema the models describe: no table, column, index or
constraint exists in one and not the other."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from onbeat import db as onbeat_db
from onbeat.models import metadata


def test_models_and_migrations_agree(db_url):
    with onbeat_db.engine().connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    assert differences == [], "run `alembic revision --autogenerate` for:\n" + "\n".join(map(str, differences))
