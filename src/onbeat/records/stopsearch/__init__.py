"""records.stopsearch"""
