"""Renderers: a Report in HTML, PDF, XLSX, CSV and JSON, in English or Russian."""
