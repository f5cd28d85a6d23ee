"""The self-check form, built from the question table. Each field's check is the rules' own
(kinfo.selfcheck.rules), so the page, the phone's replay and the phone's script refuse the same answers
with the same translated messages; no built-in WTForms or Flask-WTF English ever reaches a patient."""

from __future__ import annotations

import uuid
from functools import partial

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, HiddenField, StringField, TextAreaField
from wtforms.validators import StopValidation

from .questions import CONTACT_FIELDS
from .rules import (
    ContactField,
    Question,
    Reading,
    applies,
    check_choice,
    check_number,
    check_reading,
    check_text,
)


class RuleCheck:
    """A WTForms validator that runs one check of the rules on the field's raw value and keeps the value the
    check read (an answer code, a whole number, text with one-character line breaks)."""

    def __init__(self, check):
        self.check = check

    def __call__(self, form, field):
        field.value, problem = self.check(field.data)
        if problem is not None:
            raise StopValidation(problem.message())


class ConsentField(BooleanField):
    """The consent box: ticked only when the browser sends the box's own value, never for anything else."""

    def process_formdata(self, valuelist):
        self.data = valuelist == ["y"]


class AnswerField(Field):
    """One answer code from the question table, shown as radio buttons the form template draws itself.

    WTForms' RadioField would rebuild its list of choices on every request only for the template to ignore
    it; the table already holds the choices and the rules check them."""

    def process_formdata(self, valuelist):
        self.data = valuelist[0] if valuelist else None


class SelfCheckForm(FlaskForm):
    """Base class; ``build_form_class`` adds one field per question.

    CSRF is checked before the view runs, like every POST (kinfo.core.csrf); the page carries Flask-WTF's
    token through ``csrf_token()``."""

    questions: tuple[Question, ...] = ()
    readings: tuple[Reading, ...] = ()
    reading_of: dict[str, Reading] = {}  # the reading of each of its parts
    contact_fields: tuple[ContactField, ...] = ()

    class Meta:
        csrf = False

    def validate(self, extra_validators=None) -> bool:
        """Follow-up questions that do not apply are neither required nor kept; then each reading's parts
        are checked against each other."""
        sent = {q.id: self[q.id].data for q in self.questions if q.kind == "choice"}
        for question in self.questions:
            if not applies(question, sent):
                self[question.id].data = None
                self[question.id].validators = ()
        valid = super().validate(extra_validators)
        for reading in self.readings:
            numbers = {part: getattr(self[part], "value", None) for part in reading.parts if part in self}
            for part, problem in check_reading(reading, numbers).items():
                self[part].errors = [problem.message()]
                valid = False
        return valid

    def answers(self) -> dict[str, object]:
        """The valid answers as stored: answer codes, whole numbers and text; empty optional ones left out."""
        result: dict[str, object] = {}
        for question in self.questions:
            value = getattr(self[question.id], "value", None)
            if isinstance(value, str):
                value = value.strip()
            if value not in (None, ""):
                result[question.id] = value
        return result

    def contact(self) -> dict[str, str] | None:
        """The contact details given (stripped), or None."""
        given = {field.id: value for field in self.contact_fields if (value := (self[field.id].data or "").strip())}
        return given or None


def build_form_class(questions: tuple[Question, ...], readings: tuple[Reading, ...],
                     clinic_name: str) -> type[SelfCheckForm]:
    """A form class with a field per question, named by question id, plus consent and contact fields."""
    asked = {question.id for question in questions}
    asked_readings = tuple(reading for reading in readings if set(reading.parts) <= asked)
    attributes: dict[str, object] = {
        "questions": questions, "contact_fields": CONTACT_FIELDS, "readings": asked_readings,
        "reading_of": {part: reading for reading in asked_readings for part in reading.parts},
    }
    for question in questions:
        if question.kind == "choice":
            attributes[question.id] = AnswerField(question.label,
                                                  validators=[RuleCheck(partial(check_choice, question))])
        elif question.kind == "number":
            attributes[question.id] = StringField(question.label,
                                                  validators=[RuleCheck(partial(check_number, question))])
        else:
            attributes[question.id] = TextAreaField(question.label, validators=[
                RuleCheck(partial(check_text, limit=question.max_length))])
    attributes["consent"] = ConsentField(
        _l("Send my answers to %(clinic)s so my care team can read them before my visit.", clinic=clinic_name))
    for contact in CONTACT_FIELDS:
        attributes[contact.id] = StringField(contact.label, validators=[
            RuleCheck(partial(check_text, limit=contact.max_length, characters=contact.characters))])
    attributes["idempotency_key"] = HiddenField()
    return type("SelfCheckForm", (SelfCheckForm,), attributes)


def is_idempotency_key(value: str | None) -> bool:
    """A canonical UUID string, as the form and the offline script make them."""
    try:
        return value is not None and str(uuid.UUID(value)) == value
    except ValueError:
        return False
