"""Finding a self-check by the reference code a patient reads out at the desk.

Forgiving: case, spaces, dashes and dots do not matter. A character outside the code's alphabet
(``kinfo.selfcheck.storage.REFERENCE_ALPHABET`` has no 0, O, 1, I or L) is read as its look-alikes in the
alphabet; where there is more than one (a typed O could be D or Q), every matching self-check is listed, so
staff choose with the patient instead of the search picking one silently."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_

from ..core.models import Submission
from ..selfcheck.storage import REFERENCE_ALPHABET, REFERENCE_LENGTH

# What a character that is not in the alphabet may have been meant as, by its shape. Only look-alikes the
# alphabet holds are listed; a character with none (say 8, B or S) cannot be part of any code.
LOOK_ALIKES = {"0": "DQ", "O": "DQ", "1": "JT7", "I": "JT7", "L": "JT7", "6": "G"}
IGNORED = re.compile(r"[\s\-‐‑‒–—.·_/]+")  # spaces and dashes of every kind, dots
MINIMUM_LENGTH = 4  # shorter would match too many codes to be of use at the desk
MAX_READINGS = 81


class SearchError(ValueError):
    """A typed code that cannot match any reference code (the message is translated)."""


def candidates(typed: str) -> list[str]:
    """Per position of the typed code, the alphabet characters it may stand for; SearchError when it
    cannot be (part of) a code."""
    cleaned = IGNORED.sub("", typed).upper()
    if not MINIMUM_LENGTH <= len(cleaned) <= REFERENCE_LENGTH:
        raise SearchError(_l("Type the reference code: %(length)s letters and digits, like KM4P-7QXA.",
                             length=REFERENCE_LENGTH))
    choices = []
    for char in cleaned:
        options = char if char in REFERENCE_ALPHABET else LOOK_ALIKES.get(char, "")
        if not options:
            raise SearchError(_l("“%(character)s” is never part of a reference code. Check the code with the "
                                 "patient.", character=char))
        choices.append(options)
    return choices


def condition(typed: str):
    """The SQL condition for self-checks whose code contains what was typed, each uncertain character read
    as every look-alike (at most ``MAX_READINGS`` readings, so a search stays one cheap query)."""
    choices = candidates(typed)
    readings = [""]
    for options in choices:
        readings = [reading + option for reading in readings for option in options]
        if len(readings) > MAX_READINGS:
            raise SearchError(_l("Too many characters could be read more than one way. Check the code with the "
                                 "patient."))
    undashed = func.replace(Submission.reference, "-", "")
    return or_(*(undashed.like(f"%{reading}%") for reading in readings))
