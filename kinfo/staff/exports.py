"""Exports of stored self-checks: CSV for spreadsheets, FHIR R4 for health records (``/staff/export.csv``,
``/staff/fhir/…``), and the public FHIR Questionnaire (``/fhir/Questionnaire/kinfo-previsit``).

Both read the question table, so the export always matches the form. Codes are exported, not labels;
FHIR displays are the English labels (the questionnaire's own language).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime

from flask import Blueprint, Response, current_app, make_response
from flask_babel import force_locale
from flask_login import current_user

from ..core.content import CONTENT_VERSION
from ..selfcheck.questions import ANSWER_LABELS, QUESTIONS
from . import audit, bp
from .invisible import marked
from .records import filtered_rows, one

QUESTIONNAIRE_ID = "kinfo-previsit"
# The questionnaire changes only when the question table does; bump it with any change to QUESTIONS.
QUESTIONNAIRE_VERSION = "1.0.0"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def canonical_base() -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + "/fhir"


def questionnaire_url() -> str:
    return f"{canonical_base()}/Questionnaire/{QUESTIONNAIRE_ID}"


def answer_system() -> str:
    return f"{canonical_base()}/CodeSystem/{QUESTIONNAIRE_ID}-answers"


def spreadsheet_safe(value: object) -> str:
    """A cell a spreadsheet shows as text: one that would start a formula gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


CSV_COLUMNS = ["reference", "received_utc", "language", "urgency", "consent_version",
               *[q.id for q in QUESTIONS], "outcome", "name", "phone"]


def _typed(row: dict, question) -> str:
    """An answer as exported: codes as stored, typed text with its invisible characters marked."""
    value = row["answers"].get(question.id, "")
    return marked(value) if question.kind == "text" and isinstance(value, str) else value


def to_csv(rows: list[dict]) -> str:
    """UTF-8 CSV (with a byte-order mark so spreadsheets pick UTF-8), every cell quoted and formula-safe, and
    invisible characters in typed text shown as marks (kinfo.staff.invisible), as on the staff pages."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        contact = row["contact"] or {}
        writer.writerow([spreadsheet_safe(value) for value in [
            row["reference"], row["created_at"].strftime("%Y-%m-%d %H:%M"), row["language"], row["urgency"],
            row["consent_version"], *[_typed(row, q) for q in QUESTIONS], " ".join(row["outcome"]),
            marked(contact.get("name", "")), marked(contact.get("phone", ""))]])
    return buffer.getvalue()


def _english(lazy) -> str:
    with force_locale("en"):
        return str(lazy)


def questionnaire() -> dict:
    """The self-check as a FHIR R4 Questionnaire at a stable canonical URL, with a version."""
    items = []
    for question in QUESTIONS:
        item: dict = {"linkId": question.id, "text": _english(question.label), "required": question.required}
        if question.kind == "choice":
            item["type"] = "choice"
            item["answerOption"] = [{"valueCoding": {"system": answer_system(), "code": code,
                                                     "display": _english(ANSWER_LABELS[code])}}
                                    for code in question.answers]
        elif question.kind == "number":
            item["type"] = "integer"
        else:
            item["type"] = "text"
            item["maxLength"] = question.max_length
        if question.follows:
            parent, triggers = question.follows
            item["enableWhen"] = [{"question": parent, "operator": "=",
                                   "answerCoding": {"system": answer_system(), "code": code}} for code in triggers]
            item["enableBehavior"] = "any"
            item["required"] = True
        items.append(item)
    return {
        "resourceType": "Questionnaire",
        "id": QUESTIONNAIRE_ID,
        "url": questionnaire_url(),
        "version": QUESTIONNAIRE_VERSION,
        "name": "KinfoPreVisitSelfCheck",
        "title": "Pre-visit self-check for ketamine infusion therapy",
        "status": "active",
        "subjectType": ["Patient"],
        "description": f"Questions a patient answers before a first ketamine infusion (article {CONTENT_VERSION}). "
                       "Answers flag topics to discuss with the care team; they are not a diagnosis.",
        "item": items,
    }


def questionnaire_response(row: dict) -> dict:
    """One stored self-check as a FHIR R4 QuestionnaireResponse (linkId = our question ids)."""
    items = []
    for question in QUESTIONS:
        value = row["answers"].get(question.id)
        if value in (None, ""):
            continue
        if question.kind == "choice":
            answer = {"valueCoding": {"system": answer_system(), "code": value,
                                      "display": _english(ANSWER_LABELS[value])}}
        elif question.kind == "number":
            answer = {"valueInteger": int(value)}
        else:
            answer = {"valueString": marked(value)}  # invisible characters marked, as on the staff pages
        items.append({"linkId": question.id, "text": _english(question.label), "answer": [answer]})
    authored: datetime = row["created_at"]
    return {
        "resourceType": "QuestionnaireResponse",
        "id": row["reference"].replace("-", "").lower(),
        "language": row["language"],
        "identifier": {"system": f"{canonical_base()}/reference", "value": row["reference"]},
        "questionnaire": f"{questionnaire_url()}|{QUESTIONNAIRE_VERSION}",
        "status": "completed",
        "authored": authored.isoformat(),
        "item": items,
    }


def bundle(rows: list[dict]) -> dict:
    """Several QuestionnaireResponses (the self-checks of a date range) as a FHIR searchset Bundle."""
    result = {"resourceType": "Bundle", "type": "searchset", "total": len(rows)}
    if rows:
        result["entry"] = [{
            "fullUrl": f"{canonical_base()}/QuestionnaireResponse/{row['reference'].replace('-', '').lower()}",
            "resource": questionnaire_response(row),
            "search": {"mode": "match"},
        } for row in rows]
    return result


@bp.get("/export.csv")
def export_csv():
    rows, filters, _total = filtered_rows(with_content=True)
    audit.record(current_user.email, "export", "csv " + json.dumps(filters, sort_keys=True))
    response = make_response(to_csv(rows))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="self-checks-{date.today().isoformat()}.csv"'
    return response


def _fhir(resource: dict) -> Response:
    response = make_response(json.dumps(resource, ensure_ascii=False, indent=1))
    response.headers["Content-Type"] = "application/fhir+json; charset=utf-8"
    return response


@bp.get("/fhir/QuestionnaireResponse/<reference>")
def fhir_response(reference: str):
    row = one(reference)
    audit.record(current_user.email, "export", f"fhir {reference}")
    return _fhir(questionnaire_response(row))


@bp.get("/fhir/Bundle")
def fhir_bundle():
    rows, filters, _total = filtered_rows(with_content=True)
    audit.record(current_user.email, "export", "fhir " + json.dumps(filters, sort_keys=True))
    return _fhir(bundle(rows))


public_fhir = Blueprint("fhir", __name__)


@public_fhir.get(f"/fhir/Questionnaire/{QUESTIONNAIRE_ID}", endpoint="questionnaire")
def questionnaire_definition():
    """The questionnaire definition (no patient data) at its canonical URL; open to everyone."""
    return _fhir(questionnaire())
