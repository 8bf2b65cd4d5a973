"""records.collisions"""
