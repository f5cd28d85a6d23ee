"""How the self-check's table is read: its types, the messages for answers it refuses, and the interpreter
that checks raw answers and works out an outcome.

This is one of the two interpreters of the table; the other is the phone's script
(``static/js/selfcheck/rules.js``), which reads the same table as data (``rules.json``). Golden tests hold the
two equal, answer set for answer set. Everything either of them must know — digits, white space, characters
refused in text, messages — is data here, exported to the phone by ``kinfo.selfcheck.offline``.
"""

from __future__ import annotations

import sys
import unicodedata
from dataclasses import dataclass, field
from enum import IntEnum
from functools import cache
from typing import Literal

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString


class Level(IntEnum):
    """How an answer is flagged; higher is shown first."""

    INFO = 1
    DISCUSS = 2
    CRISIS = 3


@dataclass(frozen=True)
class Flag:
    """What a flagged answer means for the patient: a level, a sentence, and why."""

    level: Level
    text: object  # lazy string: "Talk with your care team about … before an infusion."
    reason: object | None = None  # lazy string
    emergency_first: bool = False  # CRISIS: put "call the emergency number now" first
    topic: object | None = None  # DISCUSS: the topic in a few words, for the list of things to talk about


@dataclass(frozen=True)
class Question:
    """One question: stable id and answer codes, translated wording, where it comes from, and its flags."""

    id: str
    label: object
    answers: tuple[str, ...] = ()  # empty for numbers and text
    kind: Literal["choice", "number", "text"] = "choice"
    source: Literal["article", "apa", "practice"] = "apa"
    why: object | None = None  # the short "why we ask" line
    section: str | None = None  # the article section that explains it
    flags: dict[str, Flag] = field(default_factory=dict)
    follows: tuple[str, tuple[str, ...]] | None = None  # (question id, answers that make it apply)
    required: bool = True
    minimum: int | None = None
    maximum: int | None = None
    max_length: int | None = None
    group: str = ""  # the part of the form it is asked in (questions.GROUPS)
    short_label: object | None = None  # its label inside a group that already says what it is (a reading)
    # Staff wording per flagged answer (answer code -> lazy string): short and clinical, for the care team's
    # summary in the staff member's own language, never the sentence the patient was shown.
    staff: dict[str, object] = field(default_factory=dict)

    @property
    def switchable(self) -> bool:
        """Only questions that do not come from the article may be switched off by a clinic."""
        return self.source != "article"

    @property
    def calls_for_crisis_help(self) -> bool:
        """Whether some answer to it calls for crisis help (shown beside the question itself)."""
        return any(flag.level is Level.CRISIS for flag in self.flags.values())


@dataclass(frozen=True)
class Group:
    """A titled part of the form (about you, physical health, …)."""

    id: str
    title: object


@dataclass(frozen=True)
class Reading:
    """Numbers read off one measurement (a blood pressure: top, then bottom), asked as one group.

    Each part must be lower than the part before it. At or above the clinic's threshold in any part (the
    setting ``setting``: one number per part), the reading is flagged with ``flag`` — once, even when an
    answer elsewhere raised the same flag."""

    id: str
    label: object  # what the reading is, said once for all its parts
    hint: object
    parts: tuple[str, ...]  # number question ids, highest first
    setting: str
    flag: Flag
    # Staff wording when the reading is high, with %(reading)s and %(threshold)s (e.g. "165/102", "140/90").
    staff: object | None = None

    @property
    def code(self) -> str:
        """The outcome code stored when the reading is high."""
        return f"{self.id}:high"


@dataclass(frozen=True)
class ContactField:
    """A contact detail sent with consent: free text, at most ``max_length`` characters; ``characters``,
    when set, are the only ones allowed besides digits."""

    id: str
    label: object
    max_length: int
    characters: str | None = None
    autocomplete: str = "on"
    input_type: str = "text"


@dataclass(frozen=True)
class OutcomeItem:
    """One flagged item in an outcome."""

    code: str  # "<question id>:<answer>", or a reading's code
    question: Question  # the question it is about (a reading's first part)
    flag: Flag


# Messages for refused answers, keyed as both interpreters name them; placeholders in %(name)s form.
MESSAGES = {
    "choose": _l("Choose an answer to this question."),
    "known": _l("Choose one of the answers shown."),
    "whole_number": _l("Enter a whole number, like 120."),
    "range": _l("Enter a number from %(minimum)s to %(maximum)s."),
    "lower": _l("The bottom number must be lower than the top number."),
    "too_long": _l("Use %(limit)s characters or fewer (you used %(count)s)."),
    "invisible": _l("Remove invisible or special control characters from this text."),
    "phone": _l("Enter a phone number using digits, spaces and + ( ) - only."),
}
NUMBER_MAX_CHARACTERS = 6  # more digits than any reading has: refused before turning into a number
# Characters refused in typed text: these general categories (controls, surrogates, private use,
# unassigned) and these characters: bidi overrides and isolates (they can disguise text for whoever reads
# it later), interlinear annotation marks and Unicode tag characters (invisible text), and U+FFFD (what a
# byte that was not text became).
FORBIDDEN_CATEGORIES = ("Cc", "Cs", "Co", "Cn")
FORBIDDEN_RANGES = ((0x202A, 0x202E), (0x2066, 0x2069), (0xFFF9, 0xFFFB), (0xFFFD, 0xFFFD), (0xE0000, 0xE007F))
ALLOWED_IN_TEXT = "\n\r\t"


@dataclass(frozen=True)
class Problem:
    """Why an answer was refused: a message key and its values."""

    key: str
    values: tuple[tuple[str, int], ...] = ()

    def message(self) -> LazyString:
        """The message, translated when it is shown."""
        return LazyString(lambda: str(MESSAGES[self.key]) % dict(self.values))


@cache
def whitespace() -> str:
    """Every character Python's ``str.strip()`` removes; the phone strips exactly these."""
    return "".join(chr(code) for code in range(sys.maxunicode + 1) if chr(code).isspace())


@cache
def digit_zeros() -> tuple[int, ...]:
    """The code point of the zero of every set of decimal digits (0, ٠, ۰, ०, ０, …): a digit is a character
    0–9 places after one of these. Accepted in every number, as the patient's keyboard types them."""
    return tuple(code for code in range(sys.maxunicode + 1) if unicodedata.decimal(chr(code), None) == 0)


def is_forbidden(char: str) -> bool:
    """Whether a character may not be typed into a text answer."""
    if char in ALLOWED_IN_TEXT:
        return False
    code = ord(char)
    return (any(first <= code <= last for first, last in FORBIDDEN_RANGES)
            or unicodedata.category(char) in FORBIDDEN_CATEGORIES)


def applies(question: Question, answers: dict[str, object]) -> bool:
    """Whether a follow-up question applies given the answers sent (plain questions always do)."""
    if question.follows is None:
        return True
    parent, triggers = question.follows
    return answers.get(parent) in triggers


def check_choice(question: Question, raw: str | None) -> tuple[str | None, Problem | None]:
    """A choice: required, one of the table's answer codes."""
    if not raw:
        return None, Problem("choose")
    if raw not in question.answers:
        return None, Problem("known")
    return raw, None


def check_number(question: Question, raw: str | None) -> tuple[int | None, Problem | None]:
    """An optional whole number in the question's range, in any script's digits (١٢٠ is 120)."""
    text = (raw or "").strip(whitespace())
    if not text:
        return None, None
    if len(text) > NUMBER_MAX_CHARACTERS or not text.isdecimal():
        return None, Problem("whole_number")
    number = int(text)
    if not question.minimum <= number <= question.maximum:
        return None, Problem("range", (("minimum", question.minimum), ("maximum", question.maximum)))
    return number, None


def check_text(raw: str | None, limit: int, characters: str | None = None) -> tuple[str, Problem | None]:
    """Free text: at most ``limit`` characters (not bytes), nothing invisible; line breaks count as one
    character, as a browser's ``maxlength`` counts them (browsers send CR LF). With ``characters``, only
    digits and those characters."""
    text = (raw or "").replace("\r\n", "\n").replace("\r", "\n")
    if len(text) > limit:
        return text, Problem("too_long", (("limit", limit), ("count", len(text))))
    if any(is_forbidden(char) for char in text):
        return text, Problem("invisible")
    if characters is not None and text and not all(char.isdecimal() or char in characters for char in text):
        return text, Problem("phone")
    return text, None


def check_reading(reading: Reading, numbers: dict[str, int | None]) -> dict[str, Problem]:
    """Problems across a reading's parts: each part below the one before it (when both are given)."""
    problems = {}
    for higher, lower in zip(reading.parts, reading.parts[1:], strict=False):
        if numbers.get(higher) is not None and numbers.get(lower) is not None and numbers[lower] >= numbers[higher]:
            problems[lower] = Problem("lower")
    return problems


def crisis_items(questions: tuple[Question, ...], sent: dict[str, object]) -> list[OutcomeItem]:
    """The answers sent that call for crisis help, whatever else is missing or refused: a page that asks the
    patient to correct something still starts with crisis help."""
    choices = {question.id: sent.get(question.id) for question in questions if question.kind == "choice"}
    items = []
    for question in questions:
        answer = choices.get(question.id)
        flag = question.flags.get(answer) if isinstance(answer, str) else None
        if flag is not None and flag.level is Level.CRISIS and applies(question, choices):
            items.append(OutcomeItem(f"{question.id}:{answer}", question, flag))
    return items


def outcome(answers: dict[str, object], questions: tuple[Question, ...], readings: tuple[Reading, ...],
            thresholds: dict[str, tuple[int, ...]]) -> list[OutcomeItem]:
    """The flagged items for a set of valid answers, CRISIS first, then DISCUSS, then INFO, in table order
    (readings after the questions). ``thresholds`` holds each reading's numbers by reading id."""
    by_id = {question.id: question for question in questions}
    items: list[OutcomeItem] = []
    for question in questions:
        if not applies(question, answers):
            continue
        answer = answers.get(question.id)
        flag = question.flags.get(answer) if isinstance(answer, str) else None
        if flag is not None:
            items.append(OutcomeItem(f"{question.id}:{answer}", question, flag))
    for reading in readings:
        values = [answers.get(part) for part in reading.parts]
        high = any(isinstance(value, int) and value >= limit
                   for value, limit in zip(values, thresholds[reading.id], strict=True))
        if high and not any(item.flag == reading.flag for item in items):
            items.append(OutcomeItem(reading.code, by_id[reading.parts[0]], reading.flag))
    return sorted(items, key=lambda item: -item.flag.level)
