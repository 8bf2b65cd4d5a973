"""Records: the force's memory on the POLE model (people, objects, locations, events) and the
officer's forms, evidence files and pocket notebook.

Sub-packages:
  core/        what every form shares: the record header (client UUID, reference, state,
               author, time and place), review (submit, approve, return), links to the POLE
               store, search, and the generic record page
  pole/        people, objects, locations, events, links and warning markers
  statements/  MG11 witness statements and officer statements, with signatures and the PDF
  notebook/    the pocket notebook, hash-chained per officer
  stopsearch/  stop and search (PACE Code A 4.3)
  interviews/  written interview records
  crime/       crime reports and victim updates (Victims' Code)
  collisions/  collision reports (STATS19) and their export
  evidence/    evidence files: storage, hashes, thumbnails, chain of custody
"""
