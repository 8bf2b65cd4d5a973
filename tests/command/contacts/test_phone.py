"""UK callback numbers: accepted forms, the stored form, and what is refused."""

import pytest

from onbeat.command.contacts.phone import display_uk_phone, normalise_uk_phone


@pytest.mark.parametrize("written, stored, shown", [
    ("07700 900123", "+447700900123", "07700 900123"),
    ("+44 7700 900123", "+447700900123", "07700 900123"),
    ("+44 (0)118 496 0000", "+441184960000", "0118 496 0000"),
    ("0044 20-7946-0000", "+442079460000", "020 7946 0000"),
    ("01632 960000", "+441632960000", "01632 960000"),
    ("0800 123 4567", "+448001234567", "0800 123 4567"),
])
def test_accepted_numbers(written, stored, shown):
    assert normalise_uk_phone(written) == stored
    assert display_uk_phone(stored) == shown


@pytest.mark.parametrize("written, why", [
    ("999", "starts with 0"), ("+33 1 23 45 67 89", "only UK"), ("0770 090 012", "11 digits"),
    ("07700 9001234", "10 or 11 digits"), ("0118 496 000a", "only digits"), ("", "empty"), ("0044", "10 or 11"),
])
def test_refused_numbers_say_why(written, why):
    with pytest.raises(ValueError, match=why):
        normalise_uk_phone(written)
