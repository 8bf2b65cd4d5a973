"""What every record shares: header, review states, links to the POLE store, search."""
