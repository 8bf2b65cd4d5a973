"""Records: the POLE store (people, objects, locations, events) and the officer's forms."""
