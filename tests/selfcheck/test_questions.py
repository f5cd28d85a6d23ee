"""The question table: each rule, follow-ups, the clinic's switches and threshold."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kinfo.selfcheck.questions import (
    ANSWER_LABELS,
    GROUPS,
    QUESTION_BY_ID,
    QUESTIONS,
    READINGS,
    active_questions,
    validate_switched_off,
    validate_thresholds,
)
from kinfo.selfcheck.rules import Level, outcome

from ..selfcheck_helpers import CALM_ANSWERS

THRESHOLD = (140, 90)


def run(answers, questions=QUESTIONS, threshold=THRESHOLD):
    return outcome(answers, questions, READINGS, {"bp_reading": threshold})

# Every flagging answer of the table, one row each (a rule with two trigger answers has two rows).
FLAG_RULES = [
    ("adult", "no", Level.DISCUSS), ("pregnant", "yes", Level.DISCUSS), ("pregnant", "unsure", Level.DISCUSS),
    ("breastfeeding", "yes", Level.DISCUSS), ("heart", "yes", Level.DISCUSS), ("heart", "unsure", Level.DISCUSS),
    ("condition", "other", Level.INFO), ("antidepressants_tried", "0", Level.DISCUSS),
    ("antidepressants_tried", "1", Level.DISCUSS), ("antidepressants_tried", "unsure", Level.DISCUSS),
    *[(question, answer, Level.DISCUSS)
      for question in ("psychosis", "mania", "substance", "head_eye_pressure", "seizures", "liver", "bladder",
                       "ketamine_reaction", "medicines")
      for answer in ("yes", "unsure")],
    ("self_harm", "sometimes", Level.CRISIS), ("self_harm", "prefer_not", Level.CRISIS),
    ("self_harm", "plan", Level.CRISIS),
    ("ride_home", "no", Level.INFO), ("ride_home", "unsure", Level.INFO),
]


def flagged(answers, questions=QUESTIONS, threshold=THRESHOLD):
    return {item.code: item.flag.level for item in run(answers, questions, threshold)}


def test_calm_answers_flag_nothing():
    assert flagged(dict(CALM_ANSWERS)) == {}


def test_the_rules_tested_here_are_every_flag_in_the_table():
    """Follow-up questions are tested below with their parent's answer."""
    in_table = {(q.id, answer, flag.level) for q in QUESTIONS if q.follows is None for answer, flag in q.flags.items()}
    assert in_table == set(FLAG_RULES)


@pytest.mark.parametrize(("question", "answer", "level"), FLAG_RULES)
def test_each_rule_flags_its_answer(question, answer, level):
    assert flagged({**CALM_ANSWERS, question: answer}) == {f"{question}:{answer}": level}


@pytest.mark.parametrize(("question", "answer"), [
    ("adult", "yes"), ("pregnant", "no"), ("breastfeeding", "no"), ("antidepressants_tried", "2plus"),
    ("condition", "depression"), ("condition", "anxiety"), ("condition", "both"), ("self_harm", "no"),
    ("ride_home", "yes"), ("heart", "no"),
    *[(question, "no") for question in ("psychosis", "mania", "substance", "head_eye_pressure", "seizures",
                                        "liver", "bladder", "ketamine_reaction", "medicines")]])
def test_reassuring_answers_flag_nothing(question, answer):
    assert flagged({**CALM_ANSWERS, question: answer}) == {}


def test_a_plan_puts_emergency_help_first():
    items = run({**CALM_ANSWERS, "self_harm": "plan"})
    assert items[0].flag.emergency_first
    assert not QUESTION_BY_ID["self_harm"].flags["sometimes"].emergency_first


def test_crisis_comes_first_then_discuss_then_info():
    items = run({**CALM_ANSWERS, "ride_home": "no", "pregnant": "yes", "self_harm": "sometimes"})
    assert [item.flag.level for item in items] == [Level.CRISIS, Level.DISCUSS, Level.INFO]


@pytest.mark.parametrize(("parent", "child"), [("bp_high", "bp_treated"), ("thyroid_overactive", "thyroid_treated")])
def test_follow_ups_apply_only_after_a_yes_or_unsure(parent, child):
    assert flagged({**CALM_ANSWERS, parent: "yes", child: "no"}) == {f"{child}:no": Level.DISCUSS}
    assert flagged({**CALM_ANSWERS, parent: "unsure", child: "unsure"}) == {f"{child}:unsure": Level.DISCUSS}
    assert flagged({**CALM_ANSWERS, parent: "yes", child: "yes"}) == {}
    assert flagged({**CALM_ANSWERS, parent: "no", child: "no"}) == {}, "a follow-up that does not apply is ignored"


@pytest.mark.parametrize(("systolic", "diastolic", "flags"), [(139, 89, False), (140, 80, True), (120, 90, True),
                                                             (None, 95, True), (150, None, True), (None, None, False)])
def test_a_reading_at_or_above_the_threshold_asks_to_talk_about_blood_pressure(systolic, diastolic, flags):
    answers = {**CALM_ANSWERS, "bp_systolic": systolic, "bp_diastolic": diastolic}
    assert ("bp_reading:high" in flagged(answers)) is flags


def test_the_threshold_is_a_clinic_setting():
    answers = {**CALM_ANSWERS, "bp_systolic": 135, "bp_diastolic": 85}
    assert flagged(answers, threshold=(130, 80)) == {"bp_reading:high": Level.DISCUSS}
    assert flagged(answers, threshold=(140, 90)) == {}


def test_a_high_reading_and_untreated_pressure_are_one_item():
    answers = {**CALM_ANSWERS, "bp_high": "yes", "bp_treated": "no", "bp_systolic": 160}
    assert list(flagged(answers)) == ["bp_treated:no"]


def test_clinics_can_switch_off_only_questions_that_are_not_from_the_article():
    asked = active_questions({"liver", "bladder"})
    assert "liver" not in {q.id for q in asked} and "pregnant" in {q.id for q in asked}
    validate_switched_off({"liver", "self_harm"})
    for article_item in ("pregnant", "breastfeeding", "bp_treated", "thyroid_treated", "antidepressants_tried",
                         "bp_systolic"):
        with pytest.raises(ValueError, match="article"):
            validate_switched_off({article_item})
    with pytest.raises(ValueError, match="unknown"):
        validate_switched_off({"favourite_colour"})


def test_the_table_is_complete_and_every_answer_has_a_label():
    assert [q.id for q in QUESTIONS] == [  # part by part: about you, body, mind, medicines, after
        "adult", "pregnant", "breastfeeding", "bp_high", "bp_treated", "bp_systolic", "bp_diastolic", "heart",
        "thyroid_overactive", "thyroid_treated", "head_eye_pressure", "seizures", "liver", "bladder",
        "ketamine_reaction", "condition", "antidepressants_tried", "psychosis", "mania", "substance", "self_harm",
        "medicines", "ride_home", "notes"]
    assert [group.id for group in GROUPS] == list(dict.fromkeys(q.group for q in QUESTIONS)), "parts in order"
    for question in QUESTIONS:
        assert all(code in ANSWER_LABELS for code in question.answers)
        assert question.source in ("article", "apa", "practice")
        if question.kind == "choice" or question.id in [reading.parts[0] for reading in READINGS]:  # one per reading
            assert question.why and question.section, f"{question.id} needs a 'why we ask' line and a section"


def test_stored_outcome_codes_lead_back_to_their_flags():
    from kinfo.selfcheck.questions import BP_FLAG, flag_for_code

    assert flag_for_code("bp_reading:high") is BP_FLAG is READINGS[0].flag
    assert flag_for_code("self_harm:plan").emergency_first
    assert flag_for_code("pregnant:yes").level is Level.DISCUSS
    assert flag_for_code("pregnant:no") is None and flag_for_code("nonsense") is None
    for item in run({**CALM_ANSWERS, "pregnant": "yes", "bp_systolic": 180}):
        assert flag_for_code(item.code) is item.flag


@pytest.mark.parametrize(("setting", "problem"), [
    ([140], "2 whole numbers"), ("140/90", "2 whole numbers"), ([140.0, 90], "2 whole numbers"),
    ([True, 90], "2 whole numbers"), ([90, 140], "each lower"), ([140, 140], "each lower"),
    ([400, 90], "ranges"), ([140, 20], "ranges")])
def test_a_threshold_that_is_not_a_reading_is_refused(setting, problem):
    with pytest.raises(ValueError, match=problem):
        validate_thresholds({"SELF_CHECK_BP_THRESHOLD": setting})
    assert validate_thresholds({"SELF_CHECK_BP_THRESHOLD": [130, 80]}) == {"bp_reading": (130, 80)}


def test_no_question_id_appears_outside_the_table():
    """The form, the templates, the outcome, the staff view, the exports and the phone's scripts loop over
    the table: none of them names a question (a rule written beside the table is a second truth)."""
    root = Path(__file__).resolve().parents[2]
    table = root / "kinfo" / "selfcheck" / "questions.py"
    files = [path for path in (root / "kinfo").rglob("*.py") if path != table]
    files += [path for folder in ("templates", "static") for path in (root / folder).rglob("*")
              if path.suffix in (".html", ".js", ".css", ".json")]
    ids = [question.id for question in QUESTIONS] + [reading.id for reading in READINGS]
    found = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        for question_id in ids:
            # An id with "_" is never an English word: any mention counts. A plain word (heart, notes) counts
            # where code names it: quoted, as a CSS or URL fragment, or as an attribute.
            pattern = (rf"(?<![\w-]){question_id}(?![\w-])" if "_" in question_id
                       else rf"""["'#.]{question_id}["'\]\-)]|\[{question_id}\]""")
            found += [f"{path.relative_to(root)}: {question_id}" for _ in re.finditer(pattern, text)]
    assert found == []
