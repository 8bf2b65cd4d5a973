"""Normalisation: folding, names and nicknames, postcodes, dates, phones."""

from datetime import date

import pytest
from hypothesis import given, strategies as st

from onbeat.records.matching import normalise as n


@pytest.mark.parametrize("raw, folded", [
    ("  José  O'Brien-Smith ", "jose obrien smith"),
    ("ÆLFRED", "aelfred"),
    ("Łukasz Straße", "lukasz strasse"),
    ("", None), ("  -  ", None), (None, None),
])
def test_fold(raw, folded):
    assert n.fold(raw) == folded


@pytest.mark.parametrize("raw, name", [
    ("Mr. John", "john"), ("Mc Donald", "mcdonald"), ("Smith-Jones", "smithjones"), ("O'Brien", "obrien"),
    ("Dr", None), ("J0hn", "j0hn"),
])
def test_fold_name(raw, name):
    assert n.fold_name(raw) == name


@given(st.text(max_size=30))
def test_fold_is_idempotent_and_plain(text):
    once = n.fold(text)
    assert n.fold(once) == once
    if once is not None:
        assert once == once.strip() and "  " not in once
        assert all(c.isascii() and (c.isalnum() or c == " ") for c in once)


@pytest.mark.parametrize("nick, formal", [
    ("Bob", "robert"), ("Bill", "william"), ("Peggy", "margaret"), ("Jim", "james"), ("Liz", "elizabeth"),
    ("Robert", "robert"), ("Zebedee", "zebedee"), ("PEGGY", "margaret"), (None, None),
])
def test_canonical_given_name(nick, formal):
    assert n.canonical_given_name(nick) == formal


def test_nickname_table_is_a_real_table():
    assert len(n.NICKNAMES) >= 600
    assert {"alexander", "alexandra"} <= n.nickname_forms("Alex")
    assert n.nickname_forms("Sandy") >= {"alexander", "alexandra"}


def test_phonetic_codes_agree_on_sound_alike_surnames():
    for a, b in [("Smith", "Smyth"), ("Catherine", "Kathryn"), ("Stephen", "Steven"), ("Geoff", "Jeff"),
                 ("Phillips", "Fillips"), ("Reid", "Reed"), ("Mohammed", "Muhammad")]:
        assert n.phonetic(a) == n.phonetic(b), (a, b)
    assert n.phonetic("Smith") != n.phonetic("Jones")
    assert n.phonetic(None) is None


@pytest.mark.parametrize("raw, full, district, sector", [
    ("sw1a1aa", "SW1A 1AA", "SW1A", "SW1A 1"),
    ("  SW1A   1AA ", "SW1A 1AA", "SW1A", "SW1A 1"),
    ("m1 1ae", "M1 1AE", "M1", "M1 1"),
    ("SW1A OAA", "SW1A 0AA", "SW1A", "SW1A 0"),
    ("2600", "2600", None, None),
    ("", None, None, None),
])
def test_postcode(raw, full, district, sector):
    assert n.postcode(raw) == (full, district, sector)


_OUTWARD = st.from_regex(r"\A[A-Z]{1,2}[0-9][A-Z0-9]?\Z")
_INWARD = st.from_regex(r"\A[0-9][A-Z]{2}\Z")


@given(_OUTWARD, _INWARD, st.sampled_from(["", " ", "  "]), st.booleans())
def test_any_spacing_or_case_of_a_postcode_normalises_the_same(outward, inward, gap, lower):
    typed = outward + gap + inward
    typed = typed.lower() if lower else typed
    assert n.postcode(typed).full == f"{outward} {inward}"
    assert n.postcode(n.postcode(typed).full) == n.postcode(typed)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31)))
def test_dates_read_back_in_every_format(d):
    for text in (d.isoformat(), d.strftime("%d/%m/%Y"), d.strftime("%Y%m%d"), d.strftime("%d-%m-%Y"),
                 d.strftime("%d %b %Y"), d.strftime("%d %B %Y"), d.strftime("%d.%m.%Y")):
        assert n.parse_date(text) == d, text


@pytest.mark.parametrize("raw", ["31/02/1980", "not a date", "", "nan", "1980-13-01", "99"])
def test_unreadable_dates_are_none(raw):
    assert n.parse_date(raw) is None


def test_two_digit_years_are_never_in_the_future():
    assert n.parse_date("07/03/80", today=date(2026, 1, 1)) == date(1980, 3, 7)
    assert n.parse_date("07/03/19", today=date(2026, 1, 1)) == date(2019, 3, 7)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31)))
def test_swap_day_month(d):
    swapped = n.swap_day_month(d)
    if d.day > 12 or d.day == d.month:
        assert swapped is None
    else:
        assert swapped == date(d.year, d.day, d.month)
        assert n.swap_day_month(swapped) == d


@pytest.mark.parametrize("raw, digits", [
    ("+44 (0)7700 900123", "07700900123"), ("+44 7700 900123", "07700900123"), ("07700-900-123", "07700900123"),
    ("0044 20 7946 0018", "02079460018"), ("123", None), (None, None),
])
def test_phone(raw, digits):
    assert n.phone(raw) == digits


@pytest.mark.parametrize("line, number, street", [
    ("12a High St.", "12a", "high st"), ("Flat 3, 12 High Street", "12", "high street"),
    ("Rose Cottage", None, "rose cottage"), (None, None, None),
])
def test_house_number_and_street(line, number, street):
    assert n.house_number(line) == number
    assert n.street(line) == street
