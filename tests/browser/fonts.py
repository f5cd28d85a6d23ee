"""Which characters the installed fonts can draw (read from their cmaps with fontTools)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTCollection, TTFont

FONT_DIRS = [Path("/usr/share/fonts"), Path("/usr/local/share/fonts")]


@lru_cache(maxsize=1)
def covered_code_points() -> frozenset[int]:
    """Every code point some installed font has a glyph for."""
    points: set[int] = set()
    for folder in FONT_DIRS:
        for path in folder.rglob("*"):
            suffix = path.suffix.lower()
            if suffix in (".ttf", ".otf"):
                with TTFont(path, lazy=True) as font:
                    points.update(font.getBestCmap() or {})
            elif suffix == ".ttc":
                with TTCollection(path, lazy=True) as collection:
                    for font in collection.fonts:
                        points.update(font.getBestCmap() or {})
    return frozenset(points)


def missing_characters(text: str) -> set[str]:
    """Characters in ``text`` that no installed font can draw (spaces and controls aside)."""
    covered = covered_code_points()
    return {ch for ch in text if not ch.isspace() and ord(ch) >= 0x20 and ord(ch) not in covered
            and ch not in "\u200e\u200f\u2066\u2067\u2068\u2069"}
