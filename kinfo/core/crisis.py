"""Crisis lines: the clinic's table of them (setting ``CRISIS_LINES``, one list per region), checked at start,
and what one line offers a reader of one language — its name in that language, whether its text line
answers in it, which option to press, how to get an interpreter.

A line is a dict: ``kind`` ("emergency" or "crisis"), ``number``, ``name`` (as the service writes it) and,
for a crisis line, optionally:
- ``names``: the service's official name per language tag (``{"es": "988 Línea de …"}``);
- ``text``: the languages its text line answers in, each with the word to send (``""`` for any message);
  ``"*"`` stands for every language;
- ``options``: the option to press on a call, per language tag or ``"*"``; ``option_means`` says what it
  is for: ``"language"`` (talk in your language) or ``"mental_health"``;
- ``interpreters``: ``"say_language"`` (say your language in English to get an interpreter) or
  ``"on_request"``.
Older settings (kinds ``call_or_text``, ``call``, ``text``, ``call_option``) are read as crisis lines.
"""

from __future__ import annotations

from dataclasses import dataclass

from .config import ConfigurationError

OPTION_MEANINGS = {"language", "mental_health"}
INTERPRETERS = {"say_language", "on_request"}


@dataclass(frozen=True)
class CrisisLine:
    """One line as a reader of one language sees it."""

    kind: str  # "emergency" or "crisis"
    number: str
    name: str  # in the reader's language where the service has a name in it
    text: str | None  # None: its text line does not answer in this language; else the word to send ("" = any)
    option: str | None  # the option to press on a call, if any
    option_means: str | None
    interpreter: str | None  # how a reader of this language gets an interpreter, if they need one
    text_languages: tuple[str, ...]  # the language tags its text line answers in ("*": every language)

    @property
    def sms_uri(self) -> str:
        """An ``sms:`` link that opens a message to the line, with the word to send already typed."""
        number = "".join(char for char in self.number if char.isdigit() or char == "+")
        return f"sms:{number}" + (f"?body={self.text}" if self.text else "")


def _from_older_kind(line: dict) -> dict:
    """A line written with the kinds of earlier versions, as a crisis line."""
    kind = line.get("kind")
    if kind == "call_or_text":
        return {**line, "kind": "crisis", "text": line.get("text", {"*": ""})}
    if kind == "call":
        return {**line, "kind": "crisis"}
    if kind == "text":
        return {**line, "kind": "crisis", "text": line.get("text", {"*": ""}), "text_only": True}
    if kind == "call_option":
        return {**line, "kind": "crisis", "options": {"*": str(line.get("option", ""))},
                "option_means": line.get("option_means", "mental_health")}
    return line


def region_lines(config) -> list[dict]:
    """The configured lines of the clinic's region, older kinds read as crisis lines."""
    return [_from_older_kind(line) for line in config["CRISIS_LINES"][config["CRISIS_REGION"]]]


def validate(config) -> None:
    """Stop the app when the crisis settings could not help anyone: no region entry, a line without a number
    or with an unknown kind, or no emergency number."""
    region, lines = config["CRISIS_REGION"], config["CRISIS_LINES"]
    if region not in lines:
        raise ConfigurationError(f"CRISIS_REGION {region!r} has no entry in CRISIS_LINES ({sorted(lines)}).")
    for line in region_lines(config):
        if line.get("kind") not in ("emergency", "crisis") or not str(line.get("number", "")).strip():
            raise ConfigurationError(f"Crisis line {line!r} needs a number and a kind: emergency or crisis.")
        if line["kind"] == "crisis" and not line.get("name"):
            raise ConfigurationError(f"Crisis line {line!r} needs the service's name.")
        if line.get("option_means", "language") not in OPTION_MEANINGS:
            raise ConfigurationError(f"Crisis line {line!r}: option_means is one of {sorted(OPTION_MEANINGS)}.")
        if line.get("interpreters") not in (None, *INTERPRETERS):
            raise ConfigurationError(f"Crisis line {line!r}: interpreters is one of {sorted(INTERPRETERS)}.")
        for table in ("names", "text", "options"):
            if not isinstance(line.get(table, {}), dict):
                raise ConfigurationError(f"Crisis line {line!r}: {table} maps language tags to values.")
    if not any(line["kind"] == "emergency" for line in region_lines(config)):
        raise ConfigurationError(f"Crisis help for {region} needs an emergency number.")


def _for_language(table: dict, tag: str):
    if tag in table:
        return table[tag]
    return table.get("*")


def lines_for(config, tag: str) -> list[CrisisLine]:
    """The region's lines for a reader of language ``tag`` (a URL tag such as ``es`` or ``zh-hans``)."""
    result = []
    for line in region_lines(config):
        number = str(line["number"])
        if line["kind"] == "emergency":
            result.append(CrisisLine("emergency", number, str(line.get("name", "")), None, None, None, None, ()))
            continue
        text_table = line.get("text", {})
        option = _for_language(line.get("options", {}), tag)
        text = _for_language(text_table, tag)
        option_means = line.get("option_means", "language") if option is not None else None
        # An interpreter is for readers the line does not already answer in their own language.
        interpreter = line.get("interpreters") if tag != "en" and option_means != "language" else None
        result.append(CrisisLine(
            "crisis", number, line.get("names", {}).get(tag) or str(line["name"]),
            None if text is None else str(text), None if option is None else str(option), option_means,
            interpreter, tuple(sorted(text_table))))
    return result
