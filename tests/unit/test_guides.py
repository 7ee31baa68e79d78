"""The operators' guides and their glossary: every finding explained, one term per concept,
the interface's own Russian words, every screenshot shown, every link leading somewhere.

The commands and pages the guides name are checked in test_docs.py (tests/docs_refs.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.domain.findings import Code
from app.reporting.i18n import Localizer
from tests.builders import ROOT

DOCS = ROOT / "docs"
GUIDES = {"en": DOCS / "guide.en.md", "ru": DOCS / "guide.ru.md"}
IMAGES = DOCS / "images"
_IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)")
_LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")


@dataclass(frozen=True)
class Term:
    en: str
    ru: str
    interface: str  # the English interface string whose Russian is `ru`; "" when none
    not_used: tuple[str, ...]


def glossary() -> list[Term]:
    """The rows of every table in docs/glossary.md: English, Russian, interface string, not used."""
    terms = []
    for line in (DOCS / "glossary.md").read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not line.startswith("|") or len(cells) != 5 or set(cells[0]) <= {"-"} or cells[0] == "English":
            continue
        not_used = tuple(word.strip() for word in cells[3].split(",") if word.strip())
        terms.append(Term(cells[0], cells[1], cells[2].strip("`"), not_used))
    return terms


def same_lexeme(a: str, b: str) -> bool:
    """Whether two phrases are the same words, inflection aside: word for word they differ at
    most in their last three letters (журнал мероприятий, журнале мероприятий)."""
    wa, wb = a.lower().split(), b.lower().split()
    return len(wa) == len(wb) and all(
        _common(x, y) >= _stem_length(min(x, y, key=len)) for x, y in zip(wa, wb, strict=True)
    )


def _stem_length(word: str) -> int:
    # Short words (prepositions, conjunctions) do not inflect: all of them must match.
    return len(word) if len(word) <= 3 else max(3, len(word) - 3)


def _common(x: str, y: str) -> int:
    n = 0
    while n < min(len(x), len(y)) and x[n] == y[n]:
        n += 1
    return n


def phrase(term: str) -> re.Pattern[str]:
    """A term in running text, in any of its inflected forms, across line breaks."""
    stems = [re.escape(word[: _stem_length(word)]) + (r"\w*" if len(word) > 3 else "") for word in term.lower().split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(stems), re.IGNORECASE)


def text(lang: str) -> str:
    return GUIDES[lang].read_text(encoding="utf-8")


def test_both_guides_and_the_glossary_exist() -> None:
    assert sorted(p.name for p in DOCS.glob("guide.*.md")) == ["guide.en.md", "guide.ru.md"]
    assert len(glossary()) > 50


@pytest.mark.parametrize("lang", GUIDES)
@pytest.mark.parametrize("code", list(Code))
def test_every_finding_code_is_explained_in_both_guides(lang: str, code: Code) -> None:
    rows = [line for line in text(lang).splitlines() if line.startswith(f"| `{code}` |")]
    assert len(rows) == 1, f"guide.{lang}.md: no row (or several) for the finding {code}"
    cells = [cell.strip() for cell in rows[0].strip().strip("|").split("|")]
    assert len(cells) == 4, f"guide.{lang}.md: {code}: code, severity, meaning and what to do"
    assert all(cells), f"guide.{lang}.md: {code}: an empty cell"
    assert cells[1] == Localizer(lang)._(str(code.severity)), f"guide.{lang}.md: {code}: severity {cells[1]!r}"


class TestTheGlossary:
    def test_each_russian_term_is_the_interfaces_word_for_its_string(self) -> None:
        ru = Localizer("ru")
        wrong = []
        for term in glossary():
            if term.interface:
                shown = re.sub(r"\{[^}]*\}", "", ru._(term.interface)).strip()
                if shown == term.interface or not same_lexeme(term.ru, shown):
                    wrong.append(f"{term.en}: the glossary says {term.ru!r}, the interface {shown!r}")
        assert wrong == []

    def test_one_term_per_concept(self) -> None:
        for language in ("en", "ru"):
            words = [getattr(term, language).lower() for term in glossary()]
            assert len(words) == len(set(words)), f"a {language} term defined twice"

    @pytest.mark.parametrize("lang", GUIDES)
    def test_each_guide_uses_the_glossarys_terms_and_not_the_words_it_rules_out(self, lang: str) -> None:
        guide = text(lang)
        missing = [getattr(t, lang) for t in glossary() if not phrase(getattr(t, lang)).search(guide)]
        avoided = [f"{word} (say {getattr(t, lang)!r})" for t in glossary() for word in t.not_used]
        avoided = [a for a in avoided if phrase(a.split(" (say ")[0]).search(guide)]
        assert (missing, avoided) == ([], [])

    def test_the_lexeme_rule_tells_inflection_from_another_word(self) -> None:
        assert same_lexeme("журнал мероприятий", "Журнале мероприятий")
        assert same_lexeme("инспекция объявленного объекта", "инспекции объявленных объектов")
        assert not same_lexeme("журнал мероприятий", "реестр мероприятий")
        assert not same_lexeme("квота", "квоты по соглашениям")
        assert phrase("выявленные нарушения и замечания").search("страница **Выявленные нарушения и\nзамечания**")
        assert not phrase("лимит").search("предел квоты")


class TestTheScreenshots:
    def shown(self, lang: str) -> list[str]:
        return _IMAGE.findall(text(lang))

    @pytest.mark.parametrize("lang", GUIDES)
    def test_every_image_a_guide_shows_exists_in_its_language(self, lang: str) -> None:
        for image in self.shown(lang):
            assert (DOCS / image).is_file(), f"guide.{lang}.md shows {image}, which does not exist"
            assert image.startswith("images/"), image
            assert image.endswith(f".{lang}.png"), f"guide.{lang}.md shows another language's {image}"

    def test_every_committed_image_is_shown_and_both_guides_show_the_same_pages(self) -> None:
        shown = {f"images/{p.name}" for p in IMAGES.glob("*.png")}
        assert shown == set(self.shown("en")) | set(self.shown("ru"))
        pages = {lang: {image.rsplit(".", 2)[0] for image in self.shown(lang)} for lang in GUIDES}
        assert pages["en"] == pages["ru"]

    def test_make_docs_images_shoots_every_page_the_guides_show(self) -> None:
        from tests.e2e.screenshots import PAGES

        shot = {f"images/{name}" for name, _ in PAGES} | {"images/entry-check"}
        assert {image.rsplit(".", 2)[0] for image in self.shown("en")} == shot


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


@pytest.mark.parametrize("page", [*GUIDES.values(), DOCS / "glossary.md", DOCS / "statements.md", ROOT / "README.md"])
def test_every_link_leads_to_a_file_and_heading_that_exist(page: Path) -> None:
    broken = []
    for link in _LINK.findall(page.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", link) or link.startswith("/"):
            continue  # a URL, or a page of the web app (test_docs.py)
        target, _, anchor = link.partition("#")
        file = (page.parent / target) if target else page
        if not file.exists():
            broken.append(link)
        elif anchor and file.suffix == ".md":
            headings = re.findall(r"^#+ (.+)$", file.read_text(encoding="utf-8"), re.MULTILINE)
            if anchor not in {slug(h) for h in headings}:
                broken.append(link)
    assert broken == [], f"{page.name}: links to nothing: {broken}"
