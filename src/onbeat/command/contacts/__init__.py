"""Contacts: 999, 101, online, walk-in and radio contacts, THRIVE grading and duplicate detection."""
