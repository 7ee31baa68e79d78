"""Home-state files (agreements/home/XX.yaml): whom our state informs of a team's arrival
and departure, with the document that says so."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from app.catalog.build import source
from app.catalog.loader import CatalogError, CatalogIssue, read_mapping, validated
from app.catalog.schema import SourceModel, StateCode, Strict, Titles
from app.domain.checklist import Agency, HomeAgencies


class AgencyModel(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,39}$")
    name: Titles


class HomeFile(Strict):
    state: StateCode
    source: SourceModel
    agencies: list[AgencyModel] = Field(min_length=1)


def parse_home(content: str, filename: str) -> HomeAgencies:
    """A home-state file's agencies; CatalogError naming the file, line and field otherwise."""
    node, data = read_mapping(content, filename, "a home-state file")
    model = validated(HomeFile, node, data, filename)
    ids = [a.id for a in model.agencies]
    if len(set(ids)) != len(ids):
        raise CatalogError([CatalogIssue(filename, None, "agencies", "an agency id is listed twice")])
    if Path(filename).stem != model.state:
        raise CatalogError([CatalogIssue(filename, None, "state", f"state {model.state!r} must match the file name")])
    agencies = tuple(Agency(id=a.id, name_en=a.name.en, name_ru=a.name.ru) for a in model.agencies)
    return HomeAgencies(state=model.state, agencies=agencies, source=source(model.source))


def load_home(folder: Path, state: str) -> HomeAgencies | None:
    """The home-state file of ``state`` in ``folder``, or None where there is none."""
    path = folder / f"{state}.yaml"
    if not path.is_file():
        return None
    return parse_home(path.read_text(encoding="utf-8"), str(path))
