"""Which fonts PDF output will get: asked of fontconfig, as WeasyPrint (through Pango) asks it.

The report stylesheet (templates/report.html.j2) names DejaVu Sans for text and DejaVu
Sans Mono for hashes. When fontconfig finds no such font covering Russian, Pango falls
back to whatever it has, and a Russian report may come out in empty boxes. The lookup
goes through the same libfontconfig and the same configuration (``FONTCONFIG_FILE``,
``/etc/fonts``) the renderer uses, so a font that is deleted, or a configuration that
no longer lists its folder, shows here as it would in a report.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache
from typing import Any

# The families of the report stylesheet, each needed with Cyrillic coverage.
PDF_FONTS = ("DejaVu Sans", "DejaVu Sans Mono")
LANGUAGE = "ru"


class FontconfigMissing(Exception):
    """libfontconfig is not installed (nor, then, Pango)."""


class _FontSet(ctypes.Structure):
    _fields_ = [("nfont", ctypes.c_int), ("sfont", ctypes.c_int), ("fonts", ctypes.POINTER(ctypes.c_void_p))]


@cache
def _library() -> Any:
    name = ctypes.util.find_library("fontconfig") or "libfontconfig.so.1"
    try:
        lib = ctypes.CDLL(name)
    except OSError as exc:
        raise FontconfigMissing(str(exc)) from None
    pointer = ctypes.c_void_p
    lib.FcInitLoadConfigAndFonts.restype = pointer
    lib.FcNameParse.restype, lib.FcNameParse.argtypes = pointer, [ctypes.c_char_p]
    lib.FcObjectSetBuild.restype = pointer
    lib.FcObjectSetBuild.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    lib.FcFontList.restype = ctypes.POINTER(_FontSet)
    lib.FcFontList.argtypes = [pointer, pointer, pointer]
    lib.FcPatternGetString.argtypes = [pointer, ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_char_p)]
    for name, argument in (
        ("FcConfigDestroy", pointer),
        ("FcPatternDestroy", pointer),
        ("FcObjectSetDestroy", pointer),
        ("FcFontSetDestroy", ctypes.POINTER(_FontSet)),
    ):
        getattr(lib, name).argtypes = [argument]
    return lib


def font_files(family: str, language: str = LANGUAGE) -> list[str]:
    """The font files fontconfig offers for ``family`` with glyphs for ``language``.

    The configuration is loaded afresh on every call (it is read from the environment
    then), so the answer follows changes without restarting the process."""
    lib = _library()
    config = lib.FcInitLoadConfigAndFonts()
    pattern = lib.FcNameParse(f"{family}:lang={language}".encode())
    objects = lib.FcObjectSetBuild(b"file", None)
    found = lib.FcFontList(config, pattern, objects)
    try:
        if not found:
            return []
        return sorted(_file_of(lib, found.contents.fonts[i]) for i in range(found.contents.nfont))
    finally:
        if found:
            lib.FcFontSetDestroy(found)
        lib.FcObjectSetDestroy(objects)
        lib.FcPatternDestroy(pattern)
        lib.FcConfigDestroy(config)


def _file_of(lib: Any, font: Any) -> str:
    value = ctypes.c_char_p()
    lib.FcPatternGetString(font, b"file", 0, ctypes.byref(value))
    return (value.value or b"").decode("utf-8", "replace")


def missing_pdf_fonts() -> list[str]:
    """The stylesheet's families that fontconfig cannot give with Cyrillic glyphs."""
    return [family for family in PDF_FONTS if not font_files(family)]
