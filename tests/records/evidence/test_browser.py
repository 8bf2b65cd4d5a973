"""Evidence pages in a real browser at tablet width: upload a photo from the form, give a reason,
see it; keyboard only; no accessibility violations."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.conftest import axe_violations
from tests.records.evidence.conftest import camera_jpeg
from tests.web.helpers import NO_TOTP, TABLET_WIDTH, page_width, sign_in


def test_upload_and_view_in_a_browser(live_server, page, make_user, make_record):
    officer = make_user("detective")
    record = make_record(officer)
    server = live_server(NO_TOTP)
    sign_in(page, server.base, officer.username)

    page.goto(f"{server.base}/evidence/upload?record={record.id}")
    expect(page.get_by_label("Record reference")).to_have_value(record.reference)
    assert axe_violations(page) == []
    page.get_by_label("File", exact=True).set_input_files(files=[{"name": "IMG_0042.JPG", "mimeType": "image/jpeg",
                                                      "buffer": camera_jpeg()}])
    page.get_by_label("Device it was captured on").fill("BWV 4471")
    page.get_by_label("Device it was captured on").press("Enter")

    expect(page.get_by_role("status")).to_contain_text("has been uploaded")
    assert axe_violations(page) == []
    page.get_by_label("Why are you viewing this evidence?").fill(f"Investigating {record.reference}")
    page.keyboard.press("Enter")

    expect(page.get_by_role("img", name="Thumbnail of IMG_0042.JPG")).to_be_visible()
    custody = page.get_by_role("region", name="Chain of custody, oldest first").locator("tbody tr")
    expect(custody).to_have_count(4)  # captured, uploaded, attached, this view
    expect(custody.last).to_contain_text("Viewed (page)")
    expect(page.get_by_role("heading", name="Export for disclosure")).to_be_visible()
    assert page_width(page) <= TABLET_WIDTH
    assert axe_violations(page) == []

    page.goto(f"{server.base}/evidence?record={record.id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Evidence for {record.reference}")
    assert page_width(page) <= TABLET_WIDTH
    assert axe_violations(page) == []
