"""records.evidence: photos, video, audio and documents kept exactly as received, with a SHA-256
and a chain of custody.

settings   ONBEAT_EVIDENCE_* (storage, limits, types)   storage   a local folder or S3
intake     the checks and the streaming pump           uploads   whole and resumable uploads
service    items, attachments, views, exports          custody   the chain of custody (audit log)
thumbnails photo thumbnails                            export    the disclosure package (ZIP)
api, pages the JSON API and the staff pages
"""
