"""Inserting many ledger rows without building an ORM object per row.

A SQLModel table object costs ~0.3 ms to construct (pydantic validation, default factories,
instrumented attributes): more than the INSERT itself. On the hot path (a page of tickets, a group
of push outcomes) rows go in as plain dicts through one executemany; the model still supplies the
defaults, so a row looks exactly as if it had been added through the ORM.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic_core import PydanticUndefined
from sqlalchemy import Row, insert
from sqlmodel import Session, SQLModel


def row_values(model: type[SQLModel], values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` completed with the model's defaults (factories called), as the ORM would."""
    out: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        if name in values:
            out[name] = values[name]
        elif name == "id":
            continue  # autoincrement: the database assigns it
        elif field.default_factory is not None:
            out[name] = field.default_factory()  # type: ignore[call-arg]
        elif field.default is not PydanticUndefined:
            out[name] = field.default
    return out


def insert_rows(session: Session, model: type[SQLModel], rows: Iterable[Mapping[str, Any]],
                returning: Sequence[str] = ()) -> list[Row[Any]]:
    """Insert ``rows`` of ``model`` in one executemany; the ``returning`` columns, in order."""
    values = [row_values(model, r) for r in rows]
    if not values:
        return []
    table = model.__table__  # type: ignore[attr-defined]
    if not returning:
        session.execute(insert(table), values)
        return []
    statement = insert(table).returning(*(table.c[name] for name in returning),
                                        sort_by_parameter_order=True)
    return list(session.execute(statement, values))
