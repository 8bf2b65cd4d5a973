"""records.pole"""
