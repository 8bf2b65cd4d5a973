"""The demo force's devices."""

from sqlalchemy.orm import Session


def seed(db: Session) -> dict[str, int]:
    return {}
