"""One outcome engine: the phone's script (static/js/selfcheck/rules.js, run under Node) and the server read
the same table, give the same outcome and refuse the same answers with the same field errors.

The answer sets are built from the table itself: every answer of every question, follow-ups on and off,
each reading at, just below and just above the clinic's threshold, and the ways people type numbers and text.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from werkzeug.datastructures import MultiDict

from kinfo.selfcheck.asked import form_class, outcome_of, questions
from kinfo.selfcheck.questions import CONTACT_FIELDS, QUESTIONS, READINGS
from kinfo.selfcheck.rules import crisis_items

GOLDEN_SCRIPT = Path(__file__).with_name("golden.js")
THRESHOLD = {"bp_reading": (140, 90)}


def calm_answers() -> dict[str, str]:
    """For each question that always applies, its first answer that raises no flag and asks no follow-up."""
    triggers = {(q.follows[0], code) for q in QUESTIONS if q.follows for code in q.follows[1]}
    return {q.id: next(code for code in q.answers if code not in q.flags and (q.id, code) not in triggers)
            for q in QUESTIONS if q.kind == "choice" and q.follows is None}


def golden_cases() -> list[dict[str, str]]:
    calm = calm_answers()
    by_id = {q.id: q for q in QUESTIONS}
    cases: list[dict[str, str]] = [calm]
    for question in QUESTIONS:
        if question.kind != "choice":
            continue
        parent_on = {}
        if question.follows:
            parent, triggers = question.follows
            off = next(code for code in by_id[parent].answers if code not in triggers)
            cases.append({**calm, parent: off, question.id: question.answers[0]})  # follow-up off: ignored
            parent_on = {parent: triggers[0]}
            cases.append({**calm, **parent_on})  # follow-up on but not answered
        for code in question.answers:
            cases.append({**calm, **parent_on, question.id: code})
        cases.append({**calm, **parent_on, question.id: "maybe"})  # not one of the answers
        cases.append({**calm, **parent_on, question.id: ""})
        if not question.follows:
            cases.append({key: value for key, value in calm.items() if key != question.id})  # missing
    for reading in READINGS:
        top, bottom = reading.parts
        high_top, high_bottom = THRESHOLD[reading.id]
        for number in (high_top - 1, high_top, high_top + 1):
            cases.append({**calm, top: str(number)})
            cases.append({**calm, top: str(number), bottom: str(high_bottom - 10)})
        for number in (high_bottom - 1, high_bottom, high_bottom + 1):
            cases.append({**calm, bottom: str(number)})
            cases.append({**calm, top: str(high_top - 10), bottom: str(number)})
        typed = ["", " ", "abc", "12abc", "12.5", "-120", "+120", "1e3", " 150 ", "0150", "١٥٠", "۱۵۰", "１５０",
                 "१५०", "𝟏𝟓𝟎", "١٢٠", "49", "301", "1234567", "9" * 40, "١٥0", "\u00a0150\u3000", "15 0"]
        cases += [{**calm, top: value} for value in typed]
        cases += [{**calm, top: "120", bottom: value} for value in ("120", "121", "119", "٨٠", "80", "x")]
        cases.append({**calm, top: "150", bottom: "150"})  # bottom not lower, though both high
        cases.append({**calm, "bp_high": "yes", "bp_treated": "no", top: "180"})  # one blood pressure item
    notes = next(q for q in QUESTIONS if q.kind == "text")
    limit = notes.max_length
    texts = ["a" * limit, "a" * (limit + 1), "ش" * (limit + 1), "\r\n" * limit, "ab\r\n" * (limit // 3),
             "a\x00b", "bell\x07", "evil\u202etxt", "iso\u2066x\u2069", "broken \ufffd", "tag\U000e0041",
             "\ufff9ruby\ufffa\ufffb", "half \ud800 pair", "zero\u200bwidth", "Tiếng Việt, العربية, 简体中文",
             "  padded  ", "\t\n", "😀" * (limit + 1), "😀" * limit, "private \ue000 use", "unassigned \u0378"]
    cases += [{**calm, notes.id: text} for text in texts]
    for contact in CONTACT_FIELDS:
        values = ["", "x" * contact.max_length, "x" * (contact.max_length + 1), " spaced ", "a\u202eb",
                  "+1 (555) 010-0100", "٠١٢٣ ٤٥٦", "555-CALL-NOW", "1.2.3"]
        cases += [{**calm, contact.id: value} for value in values]
    crisis = [(q.id, code) for q in QUESTIONS for code, flag in q.flags.items() if flag.level.name == "CRISIS"]
    for question_id, code in crisis:  # crisis answers alone, everything else missing or wrong
        cases.append({question_id: code})
        cases.append({question_id: code, "bp_systolic": "12abc", notes.id: "\x00"})
    cases.append({**calm, "pregnant": "yes", "self_harm": "plan", "ride_home": "no", "condition": "other",
                  "bp_systolic": "165", "bp_diastolic": "102", notes.id: "Needle-shy", "name": "Ana", "phone": "555"})
    return cases


def server_result(values: dict[str, str]) -> dict:
    form = form_class()(formdata=MultiDict(values))
    crisis = [item.code for item in crisis_items(questions(), values)]
    if not form.validate():
        return {"valid": False, "crisis": crisis,
                "errors": {name: [str(m) for m in messages] for name, messages in form.errors.items()}}
    answers = form.answers()
    return {"valid": True, "answers": answers, "contact": form.contact() or {}, "crisis": crisis,
            "outcome": [[item.code, item.flag.level.name] for item in outcome_of(answers)]}


def phone_results(app, rules: dict, cases: list[dict], tmp_path: Path) -> list[dict]:
    """What the phone's script, exactly as the site serves it, says of each case."""
    node = shutil.which("node")
    assert node, "the golden test runs the phone's script under Node.js (tests/run installs it)"
    engine_file, rules_file, cases_file = tmp_path / "rules.js", tmp_path / "rules.json", tmp_path / "cases.json"
    engine_file.write_bytes(app.extensions["kinfo_assets"]["js/selfcheck/rules.js"].body)
    rules_file.write_text(json.dumps(rules, ensure_ascii=False), encoding="utf-8")
    cases_file.write_text(json.dumps(cases), encoding="utf-8")  # \ud800 travels as an escape, as JSON allows
    done = subprocess.run([node, str(GOLDEN_SCRIPT), str(engine_file), str(rules_file), str(cases_file)],
                          capture_output=True, check=True, timeout=60)
    return json.loads(done.stdout)


def test_the_cases_cover_the_table():
    cases = golden_cases()
    assert len(cases) >= 150
    for question in QUESTIONS:
        if question.kind == "choice":
            for code in question.answers:
                assert any(case.get(question.id) == code for case in cases), (question.id, code)


@pytest.mark.parametrize("tag", ["en", "ar"])
def test_the_phone_and_the_server_agree_on_every_answer_set(app, client, tmp_path, tag):
    rules = client.get(f"/{tag}/self-check/rules.json").json
    cases = golden_cases()
    phone = phone_results(app, rules, cases, tmp_path)
    disagreements = []
    with app.test_request_context(f"/{tag}/self-check"):
        app.preprocess_request()  # the page's language, from its URL
        for values, on_phone in zip(cases, phone, strict=True):
            on_server = server_result(values)
            if on_phone != on_server:
                disagreements.append({"answers": values, "server": on_server, "phone": on_phone})
    assert disagreements == [], json.dumps(disagreements[:3], ensure_ascii=False, indent=1)
    flagged = [result for result in phone if result["valid"] and result["outcome"]]
    refused = [result for result in phone if not result["valid"]]
    assert flagged and refused, "the cases include both outcomes and refusals"
    assert any(result["crisis"] for result in refused), "crisis help found in answers that are refused"


def test_a_clinics_threshold_reaches_the_phone(make_app, tmp_path):
    app = make_app(SELF_CHECK_BP_THRESHOLD=[130, 80])
    rules = app.test_client().get("/en/self-check/rules.json").json
    values = {**calm_answers(), "bp_systolic": "135"}
    with app.test_request_context("/en/self-check"):
        assert server_result(values)["outcome"] == [["bp_reading:high", "DISCUSS"]]
    assert phone_results(app, rules, [values], tmp_path)[0]["outcome"] == [["bp_reading:high", "DISCUSS"]]
