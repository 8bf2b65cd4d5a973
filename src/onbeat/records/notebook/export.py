"""A pocket notebook exported for court, and the check of such an export (no database needed).

The export carries every entry exactly as hashed plus a verification note: how anyone can
recompute every hash with ordinary tools, spelled out, with a worked example from the notebook
itself (or a sample when it is empty).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from onbeat.core.identity.models import User
from onbeat.core.security import Principal
from onbeat.core.time import utcnow
from onbeat.records.notebook.chain import FIELDS, GENESIS, ChainChecker, canonical, entry_hash, fields_of
from onbeat.records.notebook.models import NotebookEntry
from onbeat.records.notebook.schemas import ChainOut, ExportEntry, ExportOfficer, ExportToCheck, NotebookExport
from onbeat.records.notebook.service import number_of

FORMAT = "onbeat-pocket-notebook/1"

SAMPLE = {
    "client_uuid": "6f1c2a8e-0b7d-4c55-9a3e-2d4b8f0e1a11", "collar_number": "1234", "corrects_id": None,
    "id": "0c9e6a52-51f4-4b0e-8f7a-3c2d1e0f9b88", "incident_number": "0042-21112026", "latitude": "51.501364",
    "longitude": "-0.141890", "number": 1, "occurred_at": "2026-11-21T14:02:00.000000Z",
    "officer_id": "5a0f3e1d-7c2b-4a69-b8d4-1e2f3a4b5c6d", "place": "Constitution Hill, SW1", "prev_hash": GENESIS,
    "record_references": ["CRI/000123/26"], "text": "Stopped a cyclist; words said: \"I didn't see the light.\"",
    "written_at": "2026-11-21T14:05:09.123456Z",
}


def verification_note(example: dict, example_is_sample: bool) -> list[str]:
    """The human instructions for checking the export by hand, with a worked example."""
    body = canonical(example).decode("utf-8")
    source = ("This notebook has no entries, so here is a sample entry (not part of this notebook)."
              if example_is_sample else f"Here is entry {example['number']} of this notebook.")
    return [
        "HOW TO CHECK THIS POCKET NOTEBOOK INDEPENDENTLY",
        "Each entry below was fixed when it was written: it holds the SHA-256 hash of its own contents "
        "(`hash`) and the hash of the entry before it (`prev_hash`). Changing, removing, inserting or "
        "re-ordering any entry breaks the hashes from that entry onwards. You can check every hash yourself "
        "with any SHA-256 tool; you do not need OnBeat.",
        "Step 1. Entries are numbered 1, 2, 3... with no gaps. Check that `number` runs from 1 to "
        "`entry_count` without a gap or repeat, and that every entry has the same `officer_id`.",
        f"Step 2. For entry 1, `prev_hash` must be {GENESIS} (64 zeros). For every later entry, `prev_hash` "
        "must equal the `hash` of the entry before it.",
        "Step 3. To recompute an entry's hash, take these " + str(len(FIELDS)) + " fields of the entry "
        "(every field except `hash`): " + ", ".join(FIELDS) + ". Write them as one JSON object with the keys "
        "in that (alphabetical) order, with no spaces or line breaks anywhere outside the values, "
        "exactly as they appear in the export: strings in double quotes, `number` as a whole number, "
        "empty values as null, `record_references` as a list of strings. Inside strings, write every "
        "character as itself (UTF-8) except the double quote (as \\\"), the backslash (as \\\\), and "
        "control characters (line feed as \\n, carriage return as \\r, tab as \\t, backspace as \\b, "
        "form feed as \\f, any other below U+0020 as \\u00xx with lowercase hex). This is the JSON "
        "Canonicalization Scheme of RFC 8785, so any RFC 8785 library produces the same bytes.",
        "Step 4. Compute the SHA-256 of those UTF-8 bytes and write it as 64 lowercase hexadecimal "
        "characters. It must equal the entry's `hash`.",
        "Times in the entries are UTC (written_at: the server's clock when the entry was written; "
        "occurred_at: when the event happened by the officer's clock). Latitude and longitude are written "
        "with six decimal places.",
        "Step 5. `head_hash` at the top must equal the `hash` of the last entry. Keep a note of it: a "
        "later copy of this notebook must contain these same entries with these same hashes, followed "
        "only by newer entries.",
        "WORKED EXAMPLE. " + source,
        "Its canonical form (the exact bytes that are hashed, shown between the markers) is:",
        ">>>" + body + "<<<",
        f"Its SHA-256 is {entry_hash(example)}"
        + ("." if example_is_sample else f", which is the `hash` recorded for entry {example['number']}."),
        "For example, on Linux or macOS, save the bytes between the markers (with no line break at the end) "
        "as entry.json and run: sha256sum entry.json (or: shasum -a 256 entry.json). On Windows PowerShell: "
        "Get-FileHash entry.json -Algorithm SHA256 (it shows the same digest in capitals).",
        "The same check can be run automatically: send this whole document to POST /api/notebooks/verify on "
        "any OnBeat server; it answers whether the notebook is valid and, if not, names the first entry "
        "that does not hold. It does not consult any database.",
    ]


def build(db: Session, me: Principal, officer: User, purpose: str) -> NotebookExport:
    rows = db.execute(select(NotebookEntry).where(NotebookEntry.user_id == officer.id)
                      .order_by(NotebookEntry.number)).scalars().all()
    entries = [ExportEntry(**fields_of(r), hash=r.hash) for r in rows]
    if entries:
        example, sample = entries[0].model_dump(exclude={"hash"}), False
    else:
        example, sample = SAMPLE, True
    return NotebookExport(
        format=FORMAT,
        officer=ExportOfficer(id=str(officer.id), collar_number=number_of(officer),
                              name=f"{officer.rank} {officer.given_name} {officer.family_name}"),
        exported_at=utcnow(), exported_by=me.user.display_name, purpose=purpose, entry_count=len(entries),
        genesis_hash=GENESIS, head_hash=entries[-1].hash if entries else GENESIS,
        verification_note=verification_note(example, sample), entries=entries)


def check(doc: ExportToCheck) -> ChainOut:
    """Check an exported notebook on its own: numbering, links, every hash, and the document's totals."""
    officer_id = doc.officer.get("id") if isinstance(doc.officer, dict) and isinstance(doc.officer.get("id"), str) \
        else None
    checker = ChainChecker(officer_id)
    # In the order given: entries moved about are themselves a break the check names.
    for entry in doc.entries:
        fields = entry.model_dump(exclude={"hash"})
        extra = sorted((entry.model_extra or {}).keys())
        for name in extra:
            fields.pop(name, None)
        if not checker.add(fields, entry.hash, extra):
            break
    result = checker.result()
    out = ChainOut.of(result)
    if out.valid and doc.entry_count is not None and doc.entry_count != result.checked:
        out.valid, out.reason = False, (f"the document says it holds {doc.entry_count} entries but it holds "
                                        f"{result.checked}")
    elif out.valid and doc.head_hash is not None and doc.head_hash != result.head_hash:
        out.valid, out.reason = False, "the document's head_hash is not the hash of its last entry"
        out.first_bad_entry = result.checked or None
    return out

