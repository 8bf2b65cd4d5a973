"""Thumbnails of evidence photos: a small JPEG, turned the way the camera's EXIF orientation says,
with no metadata at all (the original keeps its EXIF, GPS included; the thumbnail carries none)."""

from __future__ import annotations

import io
import logging
import tempfile
from collections.abc import Iterable

from PIL import Image, ImageOps, UnidentifiedImageError

log = logging.getLogger(__name__)

# Pillow decodes these; others (HEIC, AVIF without a plugin) simply get no thumbnail.
THUMBNAIL_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp", "image/tiff", "image/bmp"}


def make_thumbnail(blocks: Iterable[bytes], px: int) -> bytes | None:
    """A JPEG at most `px` on its longer side from the image's bytes (read in blocks, spooled to
    disk past 8 MB), or None if the image cannot be decoded."""
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as spool:
        for block in blocks:
            spool.write(block)
        spool.seek(0)
        try:
            with Image.open(spool) as image:
                if image.format == "JPEG":
                    image.draft("RGB", (px * 2, px * 2))  # decode at a reduced scale: far less memory
                turned = ImageOps.exif_transpose(image)
                turned.thumbnail((px, px), Image.Resampling.LANCZOS)
                if turned.mode not in ("RGB", "L"):
                    background = Image.new("RGB", turned.size, "white")
                    rgba = turned.convert("RGBA")
                    background.paste(rgba, mask=rgba.getchannel("A"))
                    turned = background
                out = io.BytesIO()
                turned.save(out, "JPEG", quality=82, optimize=True)  # no exif= : nothing carried over
                return out.getvalue()
        except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
            log.warning("no thumbnail: the image could not be decoded (%s)", exc)
            return None
