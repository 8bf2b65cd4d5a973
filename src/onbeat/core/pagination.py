"""Every list paginates: one helper for APIs and pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Query
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

MAX_PAGE_SIZE = 200


@dataclass
class PageInfo:
    page: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def first(self) -> int:
        return 0 if self.total == 0 else (self.page - 1) * self.size + 1

    @property
    def last(self) -> int:
        return min(self.total, self.page * self.size)

    def as_dict(self) -> dict:
        return {"page": self.page, "size": self.size, "total": self.total, "pages": self.pages}


PageNo = Annotated[int, Query(ge=1, le=1_000_000, description="Page number, from 1")]
PageSize = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Items per page")]


def paginate(db: Session, stmt: Select, page: int, size: int, scalars: bool = True) -> tuple[list[Any], PageInfo]:
    total = db.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
    result = db.execute(stmt.limit(size).offset((page - 1) * size))
    items = list(result.scalars() if scalars else result)
    return items, PageInfo(page, size, total)
# For pages, where `page` is the name of the render function.
PageQuery = Annotated[int, Query(alias="page", ge=1, le=1_000_000, description="Page number, from 1")]
