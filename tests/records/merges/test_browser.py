"""The merge review page in a real browser: asked why, both people side by side, accept one,
undo it, reject one, undo a merge from the merged person's page; keyboard, tablet width, axe."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from onbeat.records.merges.models import MergeProposal
from onbeat.records.pole.models import Person
from tests.conftest import axe_violations
from tests.records.merges.builders import add_marker, person, principal, record_naming
from tests.records.merges.test_api import propose
from tests.web.helpers import NO_TOTP, TABLET_WIDTH, page_width, sign_in


def test_review_accept_undo_reject_in_a_browser(live_server, page, db, make_user):
    sergeant = make_user("supervisor")
    me = principal(sergeant)
    robert = person(db, me, given_name="Robert", family_name="Smith", date_of_birth="1980-03-07",
                    address="12 Castle Street, Reading", postcode="RG1 7TH")
    bob = person(db, me, given_name="Bob", family_name="Smith", date_of_birth="1980-03-07",
                 identifiers={"pnc_id": "2003/0062845E"})
    add_marker(db, me, bob, "weapons", "Carried a lock knife in 2025")
    record_naming(db, me, "crime", [(bob, "suspect")])
    kelly = person(db, me, given_name="Kelly", family_name="Price", date_of_birth="1995-05-17")
    kelli = person(db, me, given_name="Kelli", family_name="Price", date_of_birth="1995-05-17")
    db.commit()
    first = propose(db, robert, bob, 0.999)
    second = propose(db, kelly, kelli, 0.97)
    server = live_server(NO_TOTP)
    sign_in(page, server.base, sergeant.username)

    page.goto(f"{server.base}/persons/merges")
    expect(page.get_by_role("heading", level=1)).to_have_text("Why are you reviewing merges?")
    page.get_by_label("Reason").fill("Weekly duplicate review DQ/17")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Proposed merges")
    one = page.locator(f"#proposal-{first}")
    expect(one).to_contain_text("99.9% likely the same person")
    expect(one).to_contain_text("given name is a nickname of Robert")
    expect(one.get_by_role("region")).to_contain_text("2003/0062845E")
    expect(one).to_contain_text("Weapons")
    assert page_width(page) <= TABLET_WIDTH
    assert axe_violations(page) == []

    # accept the first from the keyboard: Bob (on a record) is kept by default, Robert merged into him
    one.get_by_role("button", name="Merge: same person").focus()
    page.keyboard.press("Enter")
    expect(one).to_contain_text("Merged.")
    db.expire_all()
    assert db.get(Person, robert).merged_into_id == bob
    assert axe_violations(page) == []

    # undo it: the proposal comes back to decide again
    one.get_by_role("button", name="Undo the merge").click()
    expect(one).to_contain_text("Merge undone.")
    db.expire_all()
    assert db.get(Person, robert).merged_into_id is None

    # reject the second with the shortcut
    two = page.locator(f"#proposal-{second}")
    two.focus()
    page.keyboard.press("r")
    expect(two).to_contain_text("Not the same person.")
    db.expire_all()
    assert db.get(MergeProposal, second).state == "rejected"

    # merge the first again, then undo from the merged person's page
    one.get_by_role("button", name="Merge: same person").click()
    expect(one).to_contain_text("Merged.")
    page.goto(f"{server.base}/persons/{robert}?purpose=DQ/17")
    banner = page.get_by_role("region", name="Merged into another person")
    expect(banner).to_contain_text("SMITH, Bob (07/03/1980)")
    assert axe_violations(page) == []
    page.get_by_label("Why undo it? (optional)").fill("Different people: checked PNC")
    page.get_by_role("button", name="Undo the merge").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("SMITH, Robert (07/03/1980)")
    expect(page.get_by_role("region", name="Merged into another person")).to_have_count(0)
    db.expire_all()
    assert db.execute(select(Person.merged_into_id).where(Person.id == robert)).scalar() is None
