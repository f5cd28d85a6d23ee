"""Exports: CSV a spreadsheet cannot turn into formulas, and FHIR R4 resources that validate."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from kinfo.staff.exports import QUESTIONNAIRE_VERSION, spreadsheet_safe

from ..selfcheck_helpers import answers, new_key, submit
from ..staff_helpers import make_account, sign_in


@pytest.fixture
def signed_in(app, client):
    patient = app.test_client()
    submit(patient, answers(pregnant="yes", notes="=1+2 and +3 and @SUM(A1) and -4", bp_systolic="150"),
           lang="ar", consent=True, key=new_key(), name="=HYPERLINK(\"http://evil.example\",\"x\")",
           phone="+1 555 0100")
    submit(patient, answers(self_harm="plan", notes="Tiếng Việt, العربية, 简体中文, \"quoted\", a,b"), lang="vi",
           consent=True, key=new_key())
    make_account(app)
    sign_in(client)
    return client


@pytest.mark.parametrize(("cell", "expected"), [("=1+2", "'=1+2"), ("+1", "'+1"), ("-4", "'-4"), ("@SUM", "'@SUM"),
                                                ("\tx", "'\tx"), ("\rx", "'\rx"), ("plain", "plain"), ("", "")])
def test_cells_that_would_run_as_formulas_are_neutralised(cell, expected):
    assert spreadsheet_safe(cell) == expected


def test_the_csv_is_utf8_quoted_and_formula_safe(signed_in):
    response = signed_in.get("/staff/export.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.data.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    assert len(rows) == 2
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value
    arabic = next(row for row in rows if row["language"] == "ar")
    assert arabic["name"].startswith("'=HYPERLINK") and arabic["phone"] == "'+1 555 0100"
    assert arabic["pregnant"] == "yes" and arabic["bp_systolic"] == "150"
    vietnamese = next(row for row in rows if row["language"] == "vi")
    assert vietnamese["notes"] == 'Tiếng Việt, العربية, 简体中文, "quoted", a,b'
    assert vietnamese["urgency"] == "crisis"


def test_the_questionnaire_validates_and_has_a_stable_canonical_url(client):
    response = client.get("/fhir/Questionnaire/kinfo-previsit")
    assert response.headers["Content-Type"].startswith("application/fhir+json")
    resource = Questionnaire.model_validate(response.json)
    assert resource.url == "http://127.0.0.1:5000/fhir/Questionnaire/kinfo-previsit"
    assert resource.version == QUESTIONNAIRE_VERSION
    link_ids = [item.linkId for item in resource.item]
    assert link_ids[:3] == ["adult", "pregnant", "breastfeeding"] and "self_harm" in link_ids
    bp_treated = next(item for item in resource.item if item.linkId == "bp_treated")
    assert bp_treated.enableWhen[0].question == "bp_high"


def test_each_submission_exports_as_a_valid_questionnaire_response(signed_in):
    references = re.findall(r'/staff/submissions/([A-Z0-9-]+)"', signed_in.get("/staff/").get_data(as_text=True))
    for reference in references:
        data = signed_in.get(f"/staff/fhir/QuestionnaireResponse/{reference}").json
        resource = QuestionnaireResponse.model_validate(data)
        assert resource.status == "completed"
        assert resource.questionnaire.endswith(f"/fhir/Questionnaire/kinfo-previsit|{QUESTIONNAIRE_VERSION}")
        by_id = {item.linkId: item.answer[0] for item in resource.item}
        assert by_id["adult"].valueCoding.code == "yes"
        assert resource.identifier.value == reference


def test_a_date_range_exports_as_a_valid_bundle(signed_in):
    data = signed_in.get("/staff/fhir/Bundle?from=2000-01-01").json
    bundle = Bundle.model_validate(data)
    assert bundle.total == 2 and len(bundle.entry) == 2
    for entry in bundle.entry:
        QuestionnaireResponse.model_validate(json.loads(entry.resource.model_dump_json()))
    empty = Bundle.model_validate(signed_in.get("/staff/fhir/Bundle?to=2000-01-01").json)
    assert empty.total == 0
