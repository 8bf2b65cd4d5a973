"""Evidence settings, from the environment (prefix ONBEAT_EVIDENCE_): where files are kept, which
types are accepted and how large each kind may be.

`storage` is `local` (a folder, by default `evidence/` under the data directory) or `s3` (any
S3-compatible service: endpoint URL, bucket, region, access key and secret). Sizes accept bytes
or units: `50MB`, `4GiB`. Lists accept JSON or commas: `image/jpeg,image/png`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import ByteSize, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from onbeat.config import get_settings

CATEGORIES = ("image", "video", "audio", "document")

# What an officer captures or is handed: photos, body-worn and phone video, audio, documents.
DEFAULT_TYPES = [
    "image/jpeg", "image/png", "image/gif", "image/webp", "image/tiff", "image/bmp", "image/heic", "image/avif",
    "video/mp4", "video/quicktime", "video/3gpp", "video/x-m4v", "video/x-matroska", "video/webm",
    "video/x-msvideo", "video/mpeg", "video/x-ms-wmv",
    "audio/mpeg", "audio/mp4", "audio/x-wav", "audio/ogg", "audio/x-flac", "audio/amr", "audio/aac",
    "application/pdf", "application/msword", "application/rtf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.oasis.opendocument.text",
]


def category_of(content_type: str) -> str:
    """image, video or audio by the MIME type's top level; anything else is a document."""
    top = content_type.split("/", 1)[0]
    return top if top in ("image", "video", "audio") else "document"


class EvidenceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ONBEAT_EVIDENCE_", extra="ignore")

    storage: Literal["local", "s3"] = "local"
    # Local storage folder; default `<data directory>/evidence`.
    local_dir: Path | None = None

    s3_endpoint_url: str | None = None
    s3_bucket: str | None = None
    s3_region: str = "eu-west-2"
    s3_access_key: str | None = None
    s3_secret_key: SecretStr | None = None
    # S3 multipart part size: resumable chunks are kept in whole parts (S3's minimum is 5 MiB).
    s3_part_size: ByteSize = Field(default=ByteSize(8 * 1024 * 1024), ge=5 * 1024 * 1024)

    allowed_types: Annotated[list[str], NoDecode] = Field(default_factory=lambda: list(DEFAULT_TYPES))
    max_image_size: ByteSize = ByteSize(50 * 1000 ** 2)
    max_video_size: ByteSize = ByteSize(4 * 1000 ** 3)
    max_audio_size: ByteSize = ByteSize(500 * 1000 ** 2)
    max_document_size: ByteSize = ByteSize(100 * 1000 ** 2)
    # Larger files must use the resumable upload.
    max_single_request: ByteSize = ByteSize(100 * 1000 ** 2)
    # An unfinished resumable upload is discarded this long after it was started.
    upload_hours: int = Field(default=24, ge=1, le=24 * 14)
    thumbnail_px: int = Field(default=320, ge=64, le=1024)

    @field_validator("allowed_types", mode="before")
    @classmethod
    def _split(cls, value):
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                import json

                return json.loads(text)
            return [t.strip().lower() for t in text.split(",") if t.strip()]
        return value

    @model_validator(mode="after")
    def _s3_complete(self) -> EvidenceSettings:
        if self.storage == "s3" and not self.s3_bucket:
            raise ValueError("ONBEAT_EVIDENCE_S3_BUCKET is required when ONBEAT_EVIDENCE_STORAGE=s3")
        return self

    @property
    def folder(self) -> Path:
        return (self.local_dir or get_settings().data_dir / "evidence").expanduser().resolve()

    def max_size(self, category: str) -> int:
        return int(getattr(self, f"max_{category}_size"))

    @property
    def largest(self) -> int:
        """The largest size any allowed type may have."""
        cats = {category_of(t) for t in self.allowed_types} or set(CATEGORIES)
        return max(self.max_size(c) for c in cats)


@lru_cache
def get_evidence_settings() -> EvidenceSettings:
    return EvidenceSettings()
