"""records.interviews"""
