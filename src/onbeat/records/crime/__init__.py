"""records.crime"""
