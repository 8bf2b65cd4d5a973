"""The POLE store: People, Objects, Locations and Events, the links between them, and warning
markers on people. Every record names its people, vehicles and places through here, so a person
or vehicle typed once is the same entity in every record.

  codes.py     code lists (ethnicity 18+1, genders, markers, objects, vehicle colours, link roles)
  formats.py   postcodes, registrations, PNC IDs, driving licence and passport numbers, phones
  grid.py      WGS84 <-> British National Grid
  models.py    the tables            schemas.py   what is accepted (PersonRef, VehicleRef...)
  service.py   resolve_*, summaries, search, changes, links
  markers.py   warning markers       views.py / responses.py   what pages and the API show
  api.py       /api/persons, /api/objects, /api/locations, /api/events, /api/links
  pages.py     /persons and /persons/{id}
"""
