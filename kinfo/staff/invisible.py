"""Characters in patients' free text that show nothing, or change how the text around them shows, made
visible for staff: a right-to-left override that reverses what a nurse reads, a zero-width space inside a
phone number, a tag character carrying hidden text. The staff view shows each as ``⟨U+202E⟩``; the CSV and
FHIR exports carry the same marks, so nothing in an export reads differently from the screen.

Line breaks stay line breaks. Spaces other than U+0020 (a no-break space, the ideographic space of Chinese
typing) are ordinary, visible spacing and stay as typed.
"""

from __future__ import annotations

import unicodedata

from markupsafe import Markup, escape

# General categories that never show as a glyph of their own: controls, format characters (bidi controls,
# zero-width characters, tags), surrogates, private use, unassigned; and line and paragraph separators,
# which break a line without looking like a line break in most software.
HIDDEN_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
# Unicode's Default_Ignorable_Code_Point characters outside those categories (DerivedCoreProperties.txt):
# combining grapheme joiner, Hangul fillers, Khmer inherent vowels, Mongolian and other variation selectors;
# and the blank Braille pattern, a visible-width character with no ink, used to fake empty text.
HIDDEN_RANGES = ((0x034F, 0x034F), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x180B, 0x180F), (0x2800, 0x2800),
                 (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFFA0, 0xFFA0), (0xE0100, 0xE01EF))


def is_hidden(char: str) -> bool:
    """Whether ``char`` is one staff must be shown as a code rather than as itself."""
    if char == "\n":
        return False
    if unicodedata.category(char) in HIDDEN_CATEGORIES:
        return True
    code = ord(char)
    return any(low <= code <= high for low, high in HIDDEN_RANGES)


def mark(char: str) -> str:
    return f"⟨U+{ord(char):04X}⟩"


def marked(text: str) -> str:
    """Plain text (for the exports) with every hidden character replaced by its visible mark."""
    return "".join(mark(char) if is_hidden(char) else char for char in text)


def visible_text(text: str) -> Markup:
    """Escaped free text for a staff page, each hidden character shown as a highlighted code."""
    parts = [Markup('<span class="control">{}</span>').format(mark(char)) if is_hidden(char) else escape(char)
             for char in text]
    return Markup("").join(parts)
