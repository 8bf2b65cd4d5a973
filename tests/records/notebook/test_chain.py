"""The canonical form and the chain check, without a database: what a court recomputes by hand."""

from __future__ import annotations

import hashlib
from types import SimpleNamespace
from datetime import datetime, timezone

from hypothesis import given, strategies as st

from onbeat.records.notebook.chain import FIELDS, GENESIS, ChainChecker, canonical, entry_hash, fields_of


def _row(**extra):
    values = dict(client_uuid="6f1c2a8e-0b7d-4c55-9a3e-2d4b8f0e1a11", collar_number="1234", corrects_id=None,
                  id="0c9e6a52-51f4-4b0e-8f7a-3c2d1e0f9b88", incident_number=None, latitude=51.5013641,
                  longitude=-0.14189, number=1, occurred_at=datetime(2026, 6, 1, 13, 2, tzinfo=timezone.utc),
                  user_id="5a0f3e1d-7c2b-4a69-b8d4-1e2f3a4b5c6d", place=None, prev_hash=GENESIS,
                  record_references=[], text="Line one\nline \"two\"", written_at=datetime(2026, 6, 1, 13, 5, 9, 123456,
                                                                                         tzinfo=timezone.utc))
    values.update(extra)
    return SimpleNamespace(**values)


def test_the_fields_are_listed_in_the_order_they_are_written():
    assert list(FIELDS) == sorted(FIELDS)


def test_the_canonical_form_is_written_out_as_the_note_says():
    fields = fields_of(_row())
    written_by_hand = (
        '{"client_uuid":"6f1c2a8e-0b7d-4c55-9a3e-2d4b8f0e1a11","collar_number":"1234","corrects_id":null,'
        '"id":"0c9e6a52-51f4-4b0e-8f7a-3c2d1e0f9b88","incident_number":null,"latitude":"51.501364",'
        '"longitude":"-0.141890","number":1,"occurred_at":"2026-06-01T13:02:00.000000Z",'
        '"officer_id":"5a0f3e1d-7c2b-4a69-b8d4-1e2f3a4b5c6d","place":null,"prev_hash":"' + GENESIS + '",'
        '"record_references":[],"text":"Line one\\nline \\"two\\"","written_at":"2026-06-01T13:05:09.123456Z"}')
    assert canonical(fields) == written_by_hand.encode()
    assert entry_hash(fields) == hashlib.sha256(written_by_hand.encode()).hexdigest()


def test_a_time_in_british_summer_time_is_written_in_utc():
    from onbeat.core.time import UK

    fields = fields_of(_row(occurred_at=datetime(2026, 6, 1, 14, 2, tzinfo=UK)))
    assert fields["occurred_at"] == "2026-06-01T13:02:00.000000Z"


def test_non_ascii_text_is_hashed_as_utf8_not_escaped():
    fields = fields_of(_row(text="Café — “quoted” 😀"))
    assert "Café — “quoted” 😀".encode() in canonical(fields)


def _chain(n: int) -> list[dict]:
    out, prev = [], GENESIS
    for i in range(1, n + 1):
        f = fields_of(_row(number=i, prev_hash=prev, id=f"id-{i}", text=f"entry {i}"))
        f["hash"] = entry_hash(f)
        prev = f["hash"]
        out.append(f)
    return out


def _check(entries: list[dict]):
    checker = ChainChecker()
    for e in entries:
        fields = {k: v for k, v in e.items() if k != "hash"}
        if not checker.add(fields, e["hash"]):
            break
    return checker.result()


def test_an_intact_chain_holds():
    entries = _chain(5)
    result = _check(entries)
    assert result.ok and result.checked == 5 and result.head_hash == entries[-1]["hash"]


def test_each_kind_of_break_names_the_entry():
    entries = _chain(5)
    altered = [dict(e) for e in entries]
    altered[2]["text"] = "something else"
    assert (_check(altered).broken_number, _check(altered).checked) == (3, 2)
    assert "altered" in _check(altered).reason

    removed = entries[:2] + entries[3:]
    result = _check(removed)
    assert result.broken_number == 4 and "entry 3 is missing" in result.reason

    swapped = [entries[0], entries[2], entries[1], *entries[3:]]
    assert _check(swapped).broken_number == 3

    rehashed = [dict(e) for e in entries]
    rehashed[1]["text"] = "rewritten"
    rehashed[1]["hash"] = entry_hash({k: v for k, v in rehashed[1].items() if k != "hash"})
    result = _check(rehashed)
    assert result.broken_number == 3 and "previous-entry hash" in result.reason

    foreign = [dict(e) for e in entries]
    foreign[1]["officer_id"] = "someone else"
    assert _check(foreign).broken_number == 2 and "another officer" in _check(foreign).reason

    late_start = entries[1:]
    assert _check(late_start).broken_number == 2 and "starts at entry 2" in _check(late_start).reason


@given(st.text(max_size=200), st.integers(min_value=0, max_value=4))
def test_any_change_to_any_entry_text_is_found(new_text, index):
    entries = _chain(5)
    if new_text == entries[index]["text"]:
        return
    altered = [dict(e) for e in entries]
    altered[index]["text"] = new_text
    result = _check(altered)
    assert not result.ok and result.broken_number == index + 1
