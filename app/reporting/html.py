"""HTML (one self-contained file: inline CSS and SVG, no scripts) and PDF (WeasyPrint)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from app.reporting.view import ReportView, SummaryRow

TEMPLATES = Path(__file__).resolve().parent / "templates"
BAR_WIDTH, BAR_HEIGHT = 120, 10


def bar(row: SummaryRow) -> Markup:
    """Used and pending as stacked bars against the limit, drawn to scale."""
    used = round(row.used_share * BAR_WIDTH, 1)
    pending = round(row.pending_share * BAR_WIDTH, 1)
    fill = "#b3261e" if row.over else "#2f5d8a"
    parts = [
        f'<rect width="{BAR_WIDTH}" height="{BAR_HEIGHT}" fill="#eef1f5"/>',
        f'<rect width="{used}" height="{BAR_HEIGHT}" fill="{fill}"/>',
        f'<rect x="{used}" width="{pending}" height="{BAR_HEIGHT}" fill="#8fb3d9"/>',
    ]
    if row.row.limit is not None:
        scale = max(row.row.limit, row.row.used + row.row.pending, 1)
        x = round(row.row.limit / scale * BAR_WIDTH, 1)
        parts.append(f'<rect x="{max(x - 1, 0)}" width="2" height="{BAR_HEIGHT}" fill="#1a1a1a"/>')
    label = Markup.escape(row.remaining)
    return Markup(
        f'<svg width="{BAR_WIDTH}" height="{BAR_HEIGHT}" viewBox="0 0 {BAR_WIDTH} {BAR_HEIGHT}" role="img" '
        f'aria-label="{label}">{"".join(parts)}</svg>'
    )


@cache
def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]))
    env.globals["bar"] = bar
    return env


def render_html(view: ReportView, *, pdf: bool = False) -> str:
    return _environment().get_template("report.html.j2").render(v=view, labels=view.labels, pdf=pdf)


def render_pdf(view: ReportView) -> bytes:
    from weasyprint import HTML  # imported here: it loads Pango, which only PDF needs

    document = HTML(string=render_html(view, pdf=True), base_url=str(TEMPLATES))
    pdf: bytes = document.write_pdf()
    return pdf
