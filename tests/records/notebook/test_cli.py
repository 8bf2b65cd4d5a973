"""`onbeat notebook verify COLLAR` (the Typer app in records.notebook.cli) against the test's database."""

from __future__ import annotations

from typer.testing import CliRunner

from onbeat.records.notebook import service
from onbeat.records.notebook.cli import notebook_app
from tests.records.notebook.samples import entry, principal

runner = CliRunner()


def test_verify_reports_an_intact_notebook_with_its_count_and_head_hash(db, make_user):
    officer = make_user("officer", collar_number="2468")
    me = principal(officer)
    for n in range(2):
        last, _ = service.write(db, me, entry(f"note {n}"))
        db.commit()
    r = runner.invoke(notebook_app, ["verify", "2468"])
    assert r.exit_code == 0, r.output
    assert r.output.startswith("OK") and "2 entries" in r.output and last.hash in r.output


def test_verify_names_the_first_broken_entry_and_exits_1(db, make_user, superuser_sql):
    officer = make_user("officer", collar_number="1357")
    me = principal(officer)
    for n in range(3):
        service.write(db, me, entry(f"note {n}"))
        db.commit()
    superuser_sql("alter table notebook_entries disable trigger all")
    superuser_sql("update notebook_entries set occurred_at = occurred_at - interval '1 hour' where number = 2")
    superuser_sql("alter table notebook_entries enable trigger all")
    r = runner.invoke(notebook_app, ["verify", "1357"])
    assert r.exit_code == 1
    assert "BROKEN at entry 2" in r.output and "altered" in r.output and "1 entries before it" in r.output


def test_verify_of_an_unknown_collar_number_exits_2(db):
    r = runner.invoke(notebook_app, ["verify", "0000"])
    assert r.exit_code == 2 and "No officer has collar number 0000" in r.output
