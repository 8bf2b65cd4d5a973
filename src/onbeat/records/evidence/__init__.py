"""records.evidence"""
