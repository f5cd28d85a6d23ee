"""The self-check form, built from the question table. Every message is ours and translated: no built-in
WTForms or Flask-WTF English ever reaches a patient."""

from __future__ import annotations

import re
import unicodedata
import uuid

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, HiddenField, StringField, TextAreaField
from wtforms.validators import StopValidation, ValidationError

from .questions import Question, applies

NAME_MAX, PHONE_MAX = 100, 30
# Bidi overrides and isolates can disguise text for whoever reads it later; patients never need to type them.
BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
PHONE_PATTERN = re.compile(r"^[\d+()\-. ]+$")  # \d: digits of any script (٠١٢ as well as 012)


def has_forbidden_characters(text: str) -> bool:
    """Control characters (other than line breaks and tabs), lone surrogates, bidi overrides, U+FFFD."""
    for char in text:
        if char in "\n\r\t":
            continue
        if char in BIDI_CONTROLS or char == "\ufffd" or unicodedata.category(char) in ("Cc", "Cs", "Co", "Cn"):
            return True
    return False


class KnownAnswer:
    """A choice question must be answered (when it applies), with one of the answer codes in the table."""

    def __init__(self, codes):
        self.codes = frozenset(codes)

    def __call__(self, form, field):
        if not field.data:
            raise StopValidation(_l("Choose an answer to this question."))
        if field.data not in self.codes:
            raise StopValidation(_l("Choose one of the answers shown."))


class WholeNumber:
    """An optional whole number in a range; accepts any script's digits (١٢٠ is 120)."""

    def __init__(self, minimum: int, maximum: int):
        self.minimum, self.maximum = minimum, maximum

    def __call__(self, form, field):
        raw = (field.data or "").strip()
        if not raw:
            field.number = None
            raise StopValidation()  # optional and empty: nothing more to check
        if len(raw) > 6 or not raw.isdecimal():
            raise StopValidation(_l("Enter a whole number, like 120."))
        number = int(raw)
        if not self.minimum <= number <= self.maximum:
            raise StopValidation(_l("Enter a number from %(minimum)s to %(maximum)s.", minimum=self.minimum,
                                    maximum=self.maximum))
        field.number = number


class PlainText:
    """Free text: at most ``limit`` characters (not bytes), and no invisible or control characters."""

    def __init__(self, limit: int):
        self.limit = limit

    def __call__(self, form, field):
        text = field.data or ""
        if len(text) > self.limit:
            raise StopValidation(_l("Use %(limit)s characters or fewer (you used %(count)s).", limit=self.limit,
                                    count=len(text)))
        if has_forbidden_characters(text):
            raise StopValidation(_l("Remove invisible or special control characters from this text."))


def one_character_line_breaks(text: str | None) -> str | None:
    """Line breaks as browsers count them for ``maxlength`` (one character), not as they send them (CR LF)."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if text else text


def _phone_check(form, field):
    if field.data and not PHONE_PATTERN.match(field.data):
        raise ValidationError(_l("Enter a phone number using digits, spaces and + ( ) - only."))


class ConsentField(BooleanField):
    """The consent box: ticked only when the browser sends the box's own value, never for anything else."""

    def process_formdata(self, valuelist):
        self.data = valuelist == ["y"]


class AnswerField(Field):
    """One answer code from the question table, shown as radio buttons the form template draws itself.

    WTForms' RadioField would rebuild its list of choices on every request only for the template to ignore
    it; the table already holds the choices and ``KnownAnswer`` checks them."""

    def process_formdata(self, valuelist):
        self.data = valuelist[0] if valuelist else None


class SelfCheckForm(FlaskForm):
    """Base class; ``build_form_class`` adds one field per question.

    Its CSRF token is Flask-WTF's, put in the page by ``csrf_token()`` and checked by the view, which
    re-renders the form with the answers kept when it is stale (see selfcheck.submit)."""

    questions: tuple[Question, ...] = ()

    class Meta:
        csrf = False

    def validate(self, extra_validators=None) -> bool:
        """Follow-up questions that do not apply are neither required nor kept."""
        answers = {q.id: self[q.id].data for q in self.questions if q.kind == "choice"}
        for question in self.questions:
            if not applies(question, answers):
                self[question.id].data = None
                self[question.id].validators = ()
        valid = super().validate(extra_validators)
        systolic = getattr(self["bp_systolic"], "number", None) if "bp_systolic" in self else None
        diastolic = getattr(self["bp_diastolic"], "number", None) if "bp_diastolic" in self else None
        if systolic is not None and diastolic is not None and diastolic >= systolic:
            self["bp_diastolic"].errors = [_l("The bottom number must be lower than the top number.")]
            valid = False
        return valid

    def answers(self) -> dict[str, object]:
        """The valid answers as stored: answer codes, whole numbers and text; empty optional ones left out."""
        result: dict[str, object] = {}
        for question in self.questions:
            field = self[question.id]
            if question.kind == "number":
                value = getattr(field, "number", None)
            else:
                value = (field.data or "").strip() if question.kind == "text" else field.data
            if value not in (None, ""):
                result[question.id] = value
        return result


def build_form_class(questions: tuple[Question, ...], clinic_name: str) -> type[SelfCheckForm]:
    """A form class with a field per question, named by question id, plus consent and contact fields."""
    attributes: dict[str, Field] = {"questions": questions}
    for question in questions:
        if question.kind == "choice":
            attributes[question.id] = AnswerField(question.label, validators=[KnownAnswer(question.answers)])
        elif question.kind == "number":
            attributes[question.id] = StringField(question.label,
                                                  validators=[WholeNumber(question.minimum, question.maximum)])
        else:
            attributes[question.id] = TextAreaField(question.label, filters=[one_character_line_breaks],
                                                    validators=[PlainText(question.max_length)])
    attributes["consent"] = ConsentField(
        _l("Send my answers to %(clinic)s so my care team can read them before my visit.", clinic=clinic_name))
    attributes["name"] = StringField(_l("Your name (optional)"), validators=[PlainText(NAME_MAX)])
    attributes["phone"] = StringField(_l("Your phone number (optional)"),
                                      validators=[PlainText(PHONE_MAX), _phone_check])
    attributes["idempotency_key"] = HiddenField()
    return type("SelfCheckForm", (SelfCheckForm,), attributes)


def is_idempotency_key(value: str | None) -> bool:
    """A canonical UUID string, as the form and the offline script make them."""
    try:
        return value is not None and str(uuid.UUID(value)) == value
    except ValueError:
        return False
