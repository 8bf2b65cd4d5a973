"""Dispatch: recommending the nearest suitable unit, assigning it and following it to the scene."""
