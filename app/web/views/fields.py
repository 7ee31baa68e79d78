"""The fields of the pages' small forms, each read by FastAPI from the posted form with its length caps.

A field left out is empty, as an empty input is; other fields (the CSRF token) are ignored.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class Declared(BaseModel):
    """One declared figure, as the declarations page records it."""

    state: str = Field("", max_length=40)
    year: str = Field("", max_length=10)
    name: str = Field("", max_length=40)
    value: str = Field("", max_length=20)
    source: str = Field("", max_length=2000)


class NoticeSent(BaseModel):
    """When and under which outgoing reference a notice was sent."""

    on: str = Field("", max_length=40)
    reference: str = Field("", max_length=200)


class ChecklistDone(BaseModel):
    """A checklist item ("event:agency") done, when and by whom."""

    item: str = Field("", max_length=80)
    done_at: str = Field("", max_length=40)
    done_by: str = Field("", max_length=200)
