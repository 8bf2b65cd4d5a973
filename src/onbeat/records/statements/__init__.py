"""Witness statements and officer statements (MG11): pages, signatures, the seal, the court PDF."""
