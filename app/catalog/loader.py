"""Loading agreement files: YAML in, validated domain ``Agreement`` out.

Errors name the file, the line and the field path, e.g.
``agreements/vd2011.yaml:42: quota_rules[3].limit.formula: unknown function 'ciel'``.
Loading never half-succeeds: a file with any error yields no agreement.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from app.catalog.build import build_agreement
from app.catalog.schema import AgreementFile
from app.domain.agreement import Agreement

SUFFIXES = (".yaml", ".yml")
M = TypeVar("M", bound=BaseModel)
MAX_FILE_BYTES = 1_000_000


# libyaml's parser where PyYAML was built with it; the constructor and the
# resolver stay the safe Python ones either way.
_SafeBase: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeBase):  # type: ignore[valid-type,misc]
    """SafeLoader without YAML 1.1's yes/no/on/off booleans.

    Norway's ISO code is NO; under YAML 1.1 an unquoted NO is ``False``.
    Only true/false are booleans here. SafeLoader already refuses tags that
    construct Python objects.
    """


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


@dataclass(frozen=True, slots=True)
class CatalogIssue:
    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class CatalogError(ValueError):
    def __init__(self, issues: Sequence[CatalogIssue]) -> None:
        self.issues = list(issues)
        super().__init__("\n".join(str(i) for i in self.issues))


@dataclass(frozen=True, slots=True)
class LoadedAgreement:
    agreement: Agreement
    content: str
    sha256: str
    filename: str


def content_hash(content: str) -> str:
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def read_mapping(content: str, filename: str, what: str = "an agreement file") -> tuple[yaml.Node, dict[str, Any]]:
    """The YAML mapping a file holds, with its node for line numbers; CatalogError otherwise."""
    if len(content.encode("utf-8")) > MAX_FILE_BYTES:
        raise CatalogError([CatalogIssue(filename, None, "", f"file is larger than {MAX_FILE_BYTES} bytes")])
    loader = _Loader(content)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise CatalogError([CatalogIssue(filename, line, "", f"not valid YAML: {problem}")]) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise CatalogError([CatalogIssue(filename, 1, "", f"{what} must be a YAML mapping")])
    return node, data


def validated(model: type[M], node: yaml.Node, data: dict[str, Any], filename: str) -> M:
    """The file's data as ``model``, or CatalogError naming each bad field with its line."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        issues = [
            CatalogIssue(filename, _line_of(node, err["loc"]), _path(err["loc"]), _clean(err["msg"]))
            for err in exc.errors()
        ]
        raise CatalogError(issues) from None


def parse_agreement(content: str, filename: str) -> LoadedAgreement:
    """Validate one agreement file's text; raise CatalogError listing every problem."""
    node, data = read_mapping(content, filename)
    model = validated(AgreementFile, node, data, filename)
    agreement, problems = build_agreement(model)
    if problems:
        raise CatalogError([CatalogIssue(filename, _line_of(node, loc), _path(loc), msg) for loc, msg in problems])
    expected = Path(filename).stem
    if Path(filename).suffix in SUFFIXES and expected != agreement.id:
        raise CatalogError(
            [
                CatalogIssue(
                    filename,
                    _line_of(node, ("id",)),
                    "id",
                    f"id {agreement.id!r} must match the file name {expected!r}",
                )
            ]
        )
    return LoadedAgreement(agreement, content, content_hash(content), Path(filename).name)


def load_file(path: Path) -> LoadedAgreement:
    try:
        content = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise CatalogError([CatalogIssue(str(path), None, "", "not UTF-8 text")]) from None
    except OSError as exc:
        raise CatalogError([CatalogIssue(str(path), None, "", exc.strerror or str(exc))]) from None
    return parse_agreement(content, str(path))


def load_directory(directory: Path) -> list[LoadedAgreement]:
    """Every agreement in a folder, or CatalogError listing the problems of all files."""
    if directory.is_file():
        return [load_file(directory)]
    if not directory.is_dir():
        raise CatalogError([CatalogIssue(str(directory), None, "", "no such folder")])
    loaded: list[LoadedAgreement] = []
    issues: list[CatalogIssue] = []
    for path in sorted(p for p in directory.iterdir() if p.suffix in SUFFIXES):
        try:
            loaded.append(load_file(path))
        except CatalogError as exc:
            issues += exc.issues
    ids = [item.agreement.id for item in loaded]
    issues += [
        CatalogIssue(str(directory), None, "id", f"{i!r} is defined twice") for i in set(ids) if ids.count(i) > 1
    ]
    if issues:
        raise CatalogError(issues)
    if not loaded:
        raise CatalogError([CatalogIssue(str(directory), None, "", "no agreement files (*.yaml) found")])
    return loaded


def _path(loc: Sequence[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _clean(message: str) -> str:
    return message.removeprefix("Value error, ")


def _line_of(node: yaml.Node | None, loc: Sequence[Any]) -> int | None:
    """The line of the deepest YAML node on the error's path."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    for part in loc:
        child = None
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if k.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            child = node.value[part]
        if child is None:
            break
        node = child
        line = node.start_mark.line + 1
    return line
