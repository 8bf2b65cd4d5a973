"""Thumbnails of photos: turned the way the camera said, small, with no metadata; the original
keeps its EXIF (GPS included), byte for byte."""

from __future__ import annotations

import io

from PIL import ExifTags, Image

from tests.records.evidence.conftest import GPS, camera_jpeg, send_resumable, send_whole


def _colour(image: Image.Image, x: int, y: int) -> str:
    r, g, b = image.convert("RGB").getpixel((x, y))[:3]
    return "red" if r > 150 and b < 80 else "blue" if b > 150 and r < 80 else f"{r},{g},{b}"


def test_thumbnail_is_turned_by_exif_orientation_and_carries_no_gps(client, officer):
    _, headers = officer
    original = camera_jpeg()
    item = send_whole(client, headers, original, filename="IMG_0042.JPG").json()
    assert item["content_type"] == "image/jpeg" and item["has_thumbnail"]

    thumb = client.get(f"/api/evidence/{item['id']}/thumbnail", headers=headers)
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    image = Image.open(io.BytesIO(thumb.content))
    # 400 × 200 turned a quarter clockwise is 200 × 400; at most 320 on the longer side.
    assert image.size == (160, 320)
    # The left (red) half of the sensor is the top once turned; the right (blue) half the bottom.
    assert _colour(image, 80, 20) == "red" and _colour(image, 80, 300) == "blue"
    assert len(image.getexif()) == 0 and "exif" not in image.info

    kept = client.get(f"/api/evidence/{item['id']}/download", headers=headers).content
    assert kept == original
    exif = Image.open(io.BytesIO(kept)).getexif()
    assert exif[ExifTags.Base.Orientation] == 6 and exif.get_ifd(ExifTags.IFD.GPSInfo) == GPS


def test_thumbnail_made_for_a_resumable_upload_too(client, officer, storage):
    _, headers = officer
    done = send_resumable(client, headers, camera_jpeg())
    assert done.json()["evidence"]["has_thumbnail"]
    thumb = client.get(f"/api/evidence/{done.json()['id']}/thumbnail", headers=headers).content
    assert Image.open(io.BytesIO(thumb)).size == (160, 320)


def test_documents_have_no_thumbnail(client, officer):
    _, headers = officer
    pdf = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
           b"trailer<</Root 1 0 R>>\n%%EOF\n")
    item = send_whole(client, headers, pdf, filename="statement.pdf").json()
    assert item["content_type"] == "application/pdf" and item["has_thumbnail"] is False
    r = client.get(f"/api/evidence/{item['id']}/thumbnail", headers=headers)
    assert r.status_code == 404
