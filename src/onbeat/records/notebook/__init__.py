"""records.notebook"""
