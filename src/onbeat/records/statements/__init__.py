"""records.statements"""
