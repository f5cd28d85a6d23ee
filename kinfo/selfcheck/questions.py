"""The pre-visit self-check as one declarative table: the questions, the readings, the contact fields.

The form, the outcome, storage, the staff view, the exports and the phone's script all read it; no
question id appears anywhere else in the code or templates (a test looks). How it is read: kinfo.selfcheck.rules.
Answer codes are stable (they are what is stored); labels are translated. An outcome never says whether
someone is "eligible": it lists what to talk about with the care team.

Sources: items marked ``article`` come from the client's article (our /<lang>/ page). The others follow the
APA consensus statement on ketamine for mood disorders (Sanacora G. et al., JAMA Psychiatry
2017;74(4):399–405, doi:10.1001/jamapsychiatry.2017.0080) or common clinic practice, and a clinic may switch
them off (setting ``SELF_CHECK_OFF``).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from .rules import ContactField, Flag, Group, Level, Question, Reading

YES_NO = ("yes", "no")
YES_NO_UNSURE = ("yes", "no", "unsure")

ANSWER_LABELS = {
    "yes": _l("Yes"),
    "no": _l("No"),
    "unsure": _l("I'm not sure"),
    "depression": _l("Depression"),
    "anxiety": _l("Anxiety"),
    "both": _l("Both depression and anxiety"),
    "other": _l("Something else"),
    "0": _l("None"),
    "1": _l("One"),
    "2plus": _l("Two or more"),
    "sometimes": _l("Yes, sometimes"),
    "plan": _l("Yes, and I have thought about how I would do it"),
    "prefer_not": _l("I'd rather not say"),
}


def _discuss(topic, text, reason=None) -> Flag:
    return Flag(Level.DISCUSS, text, reason, topic=topic)


def _on(answers: tuple[str, ...], flag: Flag) -> dict[str, Flag]:
    return {answer: flag for answer in answers}


BP_FLAG = _discuss(_l("Your blood pressure"),
                   _l("Talk with your care team about your blood pressure before an infusion."),
                   _l("Ketamine can raise blood pressure, so high blood pressure needs to be under control first."))

QUESTIONS: tuple[Question, ...] = (
    Question("adult", _l("Are you 18 or older?"), YES_NO, source="practice",
             why=_l("This guide and most ketamine clinics are for adults."), section="before-your-visit",
             flags=_on(("no",), _discuss(_l("Your age"),
                                         _l("Talk with your care team about your age before an infusion."),
                                         _l("This treatment is usually offered to adults."))),
             staff={"no": _l("Under 18")},
             group="about_you"),
    Question("pregnant", _l("Are you pregnant, or could you be?"), YES_NO_UNSURE, source="article",
             why=_l("The possible risks to an unborn baby are not yet fully known."), section="who-should-not",
             flags=_on(("yes", "unsure"), _discuss(_l("Pregnancy"),
                 _l("Talk with your care team about pregnancy before an infusion."),
                 _l("Ketamine is not advised during pregnancy: the possible risks to an unborn baby are not yet "
                    "fully known."))),
             staff={"yes": _l("Pregnancy: yes"), "unsure": _l("Pregnancy: not sure")},
             group="about_you"),
    Question("breastfeeding", _l("Are you breastfeeding?"), YES_NO, source="article",
             why=_l("The possible risks to a breastfed baby are not yet fully known."), section="who-should-not",
             flags=_on(("yes",), _discuss(_l("Breastfeeding"),
                 _l("Talk with your care team about breastfeeding before an infusion."),
                 _l("Ketamine is not advised while breastfeeding: the possible risks to the baby are not yet "
                    "fully known."))),
             staff={"yes": _l("Breastfeeding")},
             group="about_you"),
    Question("bp_high", _l("Has a doctor or nurse told you that you have high blood pressure?"), YES_NO_UNSURE,
             source="article", why=_l("Ketamine can raise blood pressure."), section="who-should-not", group="body"),
    Question("bp_treated", _l("Is your high blood pressure treated and under control?"), YES_NO_UNSURE,
             source="article", why=_l("High blood pressure that is not treated or not under control is a reason "
                                      "to wait."), section="who-should-not",
             follows=("bp_high", ("yes", "unsure")), flags=_on(("no", "unsure"), BP_FLAG),
             # The follow-up is also asked after "not sure": the wording must not state the condition as known.
             staff={"no": _l("High blood pressure (known or possible), not under control"),
                    "unsure": _l("High blood pressure (known or possible), not sure it is under control")},
             group="body"),
    Question("bp_systolic", _l("Your last blood pressure reading: the top number (optional)"), kind="number",
             short_label=_l("Top number"),
             source="article", why=_l("If you know your last reading, it helps your care team."),
             section="who-should-not", required=False, minimum=50, maximum=300, group="body"),
    Question("bp_diastolic", _l("Your last blood pressure reading: the bottom number (optional)"), kind="number",
             short_label=_l("Bottom number"),
             source="article", section="who-should-not", required=False, minimum=30, maximum=200, group="body"),
    Question("heart", _l("Have you had heart disease, chest pain, an irregular heartbeat, a heart attack, a "
                         "stroke or an aneurysm?"), YES_NO_UNSURE,
             why=_l("Ketamine can raise blood pressure for a short time."), section="before-your-visit",
             flags=_on(("yes", "unsure"), _discuss(_l("Your heart and blood vessels"),
                 _l("Talk with your care team about your heart and blood vessels before an infusion."),
                 _l("Ketamine can raise blood pressure, which adds strain on the heart and blood vessels."))),
             staff={"yes": _l("Heart or vascular disease (heart disease, chest pain, arrhythmia, MI, stroke or "
                                "aneurysm)"),
                    "unsure": _l("Heart or vascular disease: not sure")},
             group="body"),
    Question("thyroid_overactive", _l("Have you been told your thyroid is overactive (hyperthyroidism)?"),
             YES_NO_UNSURE, source="article",
             why=_l("An overactive thyroid that is not treated can make ketamine's effects on the heart "
                    "stronger."), section="who-should-not", group="body"),
    Question("thyroid_treated", _l("Is your overactive thyroid being treated?"), YES_NO_UNSURE, source="article",
             section="who-should-not", follows=("thyroid_overactive", ("yes", "unsure")),
             why=_l("An overactive thyroid that is not treated is a reason to wait."),
             flags=_on(("no", "unsure"), _discuss(_l("Your thyroid"),
                 _l("Talk with your care team about your thyroid before an infusion."),
                 _l("An overactive thyroid that is not treated can make ketamine's effects on the heart and "
                    "blood vessels stronger."))),
             staff={"no": _l("Hyperthyroidism (known or possible), untreated"),
                    "unsure": _l("Hyperthyroidism (known or possible), not sure it is treated")},
             group="body"),
    Question("head_eye_pressure", _l("Do you have raised pressure in your head (for example after a brain "
                                     "injury) or in your eyes (glaucoma)?"), YES_NO_UNSURE,
             why=_l("Ketamine can raise pressure in the head and eyes."), section="before-your-visit",
             flags=_on(("yes", "unsure"), _discuss(_l("Pressure in your head or eyes"),
                 _l("Talk with your care team about pressure in your head or eyes before an infusion."),
                 _l("Ketamine can raise this pressure."))),
             staff={"yes": _l("Raised intracranial or intraocular pressure (e.g. glaucoma)"),
                    "unsure": _l("Raised intracranial or intraocular pressure: not sure")},
             group="body"),
    Question("seizures", _l("Do you have epilepsy or seizures?"), YES_NO_UNSURE,
             why=_l("Your care team needs to know about seizures before any treatment."), section="before-your-visit",
             flags=_on(("yes", "unsure"), _discuss(_l("Seizures"),
                 _l("Talk with your care team about seizures before an infusion."),
                 _l("Your care team will plan your treatment safely around them."))),
             staff={"yes": _l("Epilepsy or seizures"), "unsure": _l("Epilepsy or seizures: not sure")},
             group="body"),
    Question("liver", _l("Do you have liver disease?"), YES_NO_UNSURE,
             why=_l("Your care team checks your liver health before treatment."), section="before-your-visit",
             flags=_on(("yes", "unsure"), _discuss(_l("Your liver"),
                 _l("Talk with your care team about your liver before an infusion."),
                 _l("Your care team will check whether it changes your treatment plan."))),
             staff={"yes": _l("Liver disease"), "unsure": _l("Liver disease: not sure")},
             group="body"),
    Question("bladder", _l("Do you have bladder problems?"), YES_NO_UNSURE,
             why=_l("Your care team checks for bladder problems before treatment."), section="before-your-visit",
             flags=_on(("yes", "unsure"), _discuss(_l("Bladder problems"),
                 _l("Talk with your care team about bladder problems before an infusion."),
                 _l("Your care team will check whether it changes your treatment plan."))),
             staff={"yes": _l("Bladder problems"), "unsure": _l("Bladder problems: not sure")},
             group="body"),
    Question("ketamine_reaction", _l("Have you ever had an allergy or a bad reaction to ketamine or to "
                                     "anesthesia?"), YES_NO_UNSURE,
             why=_l("A past reaction may happen again."), section="before-your-visit",
             flags=_on(("yes", "unsure"), _discuss(_l("Your past reaction to ketamine or anesthesia"),
                 _l("Talk with your care team about your past reaction before an infusion."),
                 _l("A past reaction to ketamine or anesthesia may happen again."))),
             staff={"yes": _l("Past allergy or adverse reaction to ketamine or anesthesia"),
                    "unsure": _l("Past reaction to ketamine or anesthesia: not sure")},
             group="body"),
    Question("condition", _l("What are you looking for help with?"), ("depression", "anxiety", "both", "other"),
             source="article", why=_l("This guide is about depression and anxiety."), section="who-it-is-for",
             flags=_on(("other",), Flag(Level.INFO, _l(
                 "This guide is about depression and anxiety. Ask your care team whether ketamine is used for what "
                 "you need help with."))),
             staff={"other": _l("Seeking help for something other than depression or anxiety")},
             group="mind"),
    Question("antidepressants_tried", _l("How many antidepressant medicines have you tried for this?"),
             ("0", "1", "2plus", "unsure"), source="article",
             why=_l("Ketamine is usually considered after at least two antidepressants have not helped."),
             section="who-it-is-for",
             flags=_on(("0", "1", "unsure"), _discuss(_l("The treatments you have tried"),
                 _l("Talk with your care team about the treatments you have tried before an infusion."),
                 _l("Ketamine is usually considered for people who have tried at least two antidepressants "
                    "without getting better."))),
             staff={"0": _l("No antidepressant tried yet"), "1": _l("One antidepressant tried"),
                    "unsure": _l("Antidepressants tried: not sure how many")},
             group="mind"),
    Question("psychosis", _l("Have you ever been diagnosed with schizophrenia or psychosis, or had "
                             "hallucinations?"), YES_NO_UNSURE,
             why=_l("Ketamine can change how you see and feel things for a short time."), section="before-your-visit",
             flags=_on(("yes", "unsure"), _discuss(_l("Psychosis or hallucinations"),
                 _l("Talk with your care team about psychosis or hallucinations before an infusion."),
                 _l("Ketamine can make these experiences stronger for some people."))),
             staff={"yes": _l("History of psychosis, schizophrenia or hallucinations"),
                    "unsure": _l("Psychosis or hallucinations: not sure")},
             group="mind"),
    Question("mania", _l("Do you have bipolar disorder, or are you having a \"high\" (manic) episode now?"),
             YES_NO_UNSURE, why=_l("Your care team needs to know about mood highs before treatment."),
             section="before-your-visit",
             flags=_on(("yes", "unsure"), _discuss(_l("Bipolar disorder or manic episodes"),
                 _l("Talk with your care team about bipolar disorder or manic episodes before an infusion."),
                 _l("Your care team will check that your mood is stable enough for treatment."))),
             staff={"yes": _l("Bipolar disorder or current manic episode"),
                    "unsure": _l("Bipolar disorder or mania: not sure")},
             group="mind"),
    Question("substance", _l("In the past year, have you used any drug not prescribed to you (ketamine "
                             "included), or had problems with alcohol or drugs?"), YES_NO_UNSURE,
             why=_l("Ketamine can be misused, so your care team plans treatment with this in mind."),
             section="before-your-visit",
             flags=_on(("yes", "unsure"), _discuss(_l("Alcohol and drug use"),
                 _l("Talk with your care team about alcohol and drug use before an infusion."),
                 _l("Your care team plans safe treatment around it. Being open helps you get the right care."))),
             staff={"yes": _l("Non-prescribed drug use or alcohol/drug problems in the past year"),
                    "unsure": _l("Drug or alcohol use in the past year: not sure")},
             group="mind"),
    Question("self_harm", _l("In the past 2 weeks, have you had thoughts that you would be better off dead, or "
                             "of hurting yourself?"), ("no", "sometimes", "plan", "prefer_not"),
             why=_l("We ask everyone. If you are struggling, help is available right now."), section="summary",
             flags={
                 "sometimes": Flag(Level.CRISIS, _l("You said you have had thoughts of dying or hurting yourself. "
                                                    "You deserve support now, not only at your visit.")),
                 "prefer_not": Flag(Level.CRISIS, _l("If you are having thoughts of dying or hurting yourself, "
                                                     "please reach out now. You deserve support.")),
                 "plan": Flag(Level.CRISIS, _l("You said you have thought about how you would hurt yourself. "
                                               "Please get help right now."), emergency_first=True),
             }, staff={"plan": _l("Thoughts of death or self-harm, with a plan — crisis help shown"),
                    "sometimes": _l("Thoughts of death or self-harm, plan not reported — crisis help shown"),
                    "prefer_not": _l("Death or self-harm question: preferred not to say — crisis help shown")},
             group="mind"),
    Question("medicines", _l("Do you take opioids, benzodiazepines, gabapentin or pregabalin, MAOIs or "
                             "stimulants?"), YES_NO_UNSURE,
             why=_l("Some medicines change how ketamine works or how safe it is."), section="before-your-visit",
             flags=_on(("yes", "unsure"), _discuss(_l("Your medicines (bring a full list of everything you take)"),
                 _l("Talk with your care team about your medicines before an infusion. Bring a full list of "
                    "everything you take."),
                 _l("Some medicines change how ketamine works or how safe it is."))),
             staff={"yes": _l("Takes opioids / benzodiazepines / gabapentinoids / MAOIs / stimulants — see notes"),
                    "unsure": _l("Not sure about opioids / benzodiazepines / gabapentinoids / MAOIs / stimulants — "
                                 "see notes")},
             group="medicines"),
    Question("ride_home", _l("Will an adult take you home after the infusion?"), YES_NO_UNSURE,
             source="practice", why=_l("You should not drive yourself home after an infusion."),
             section="before-your-visit",
             flags=_on(("no", "unsure"), Flag(Level.INFO, _l(
                 "Plan a ride home. You should not drive yourself home after an infusion. Your clinic will tell "
                 "you when it is safe to drive again."))),
             staff={"no": _l("No adult to take them home"), "unsure": _l("Ride home not confirmed")},
             group="after"),
    Question("notes", _l("Anything else your clinic should know (optional)"), kind="text", source="practice",
             required=False, max_length=1000, group="after"),
)

QUESTION_BY_ID = {question.id: question for question in QUESTIONS}

# The form's parts, in order; every question names its part, and the table lists them part by part.
GROUPS: tuple[Group, ...] = (
    Group("about_you", _l("About you")),
    Group("body", _l("Your physical health")),
    Group("mind", _l("Your mental health")),
    Group("medicines", _l("Your medicines")),
    Group("after", _l("After the infusion, and anything else")),
)

READINGS: tuple[Reading, ...] = (
    Reading("bp_reading", _l("Your last blood pressure reading (optional)"),
            _l("For 130/85, the top number is 130 and the bottom number is 85."),
            parts=("bp_systolic", "bp_diastolic"), setting="SELF_CHECK_BP_THRESHOLD", flag=BP_FLAG,
            staff=_l("BP %(reading)s (threshold %(threshold)s)")),
)

# Sent only with consent, so the care team can call back.
CONTACT_FIELDS: tuple[ContactField, ...] = (
    ContactField("name", _l("Your name (optional)"), 100, autocomplete="name"),
    ContactField("phone", _l("Your phone number (optional)"), 30, characters="+()-. ", autocomplete="tel",
                 input_type="tel"),
)


def active_questions(switched_off: frozenset[str] | set[str] = frozenset()) -> tuple[Question, ...]:
    """The questions a clinic asks: all of them but the switchable ones it turned off."""
    return tuple(q for q in QUESTIONS if not (q.switchable and q.id in switched_off))


def validate_switched_off(switched_off) -> None:
    """Refuse settings that name an unknown question or try to switch off one from the article."""
    for question_id in switched_off:
        question = QUESTION_BY_ID.get(question_id)
        if question is None:
            raise ValueError(f"SELF_CHECK_OFF names unknown question {question_id!r}")
        if not question.switchable:
            raise ValueError(f"SELF_CHECK_OFF cannot switch off {question_id!r}: it comes from the article")


def validate_thresholds(config) -> dict[str, tuple[int, ...]]:
    """Each reading's threshold from its clinic setting, as whole numbers in its parts' ranges, each part
    below the one before; or ValueError saying what is wrong."""
    thresholds = {}
    for reading in READINGS:
        value = config[reading.setting]
        parts = [QUESTION_BY_ID[part] for part in reading.parts]
        example = [part.minimum + (part.maximum - part.minimum) // 2 for part in parts]
        if (not isinstance(value, (list, tuple)) or len(value) != len(parts)
                or not all(isinstance(number, int) and not isinstance(number, bool) for number in value)):
            raise ValueError(f"{reading.setting} must be {len(parts)} whole numbers, like {example}, not {value!r}")
        in_range = all(part.minimum <= number <= part.maximum for part, number in zip(parts, value, strict=True))
        descending = all(lower < higher for higher, lower in zip(value, value[1:], strict=False))
        if not (in_range and descending):
            ranges = ", ".join(f"{part.minimum}-{part.maximum}" for part in parts)
            raise ValueError(f"{reading.setting} {value!r} is not a reading: the numbers must be in the ranges "
                             f"{ranges}, each lower than the one before")
        thresholds[reading.id] = tuple(value)
    return thresholds


def flag_for_code(code: str) -> Flag | None:
    """The flag behind a stored outcome code (``pregnant:yes``, ``bp_reading:high``), for the staff view."""
    for reading in READINGS:
        if code == reading.code:
            return reading.flag
    question_id, _, answer = code.partition(":")
    question = QUESTION_BY_ID.get(question_id)
    return question.flags.get(answer) if question else None


@dataclass(frozen=True)
class StaffLine:
    """One flagged item of a stored self-check as the care team reads it."""

    level: Level
    text: str
    code: str


def staff_summary(outcome_codes: list[str], answers: dict, thresholds: dict[str, tuple[int, ...]]) -> list[StaffLine]:
    """The flagged items of a stored self-check in staff wording (the staff member's language), most urgent
    first, table order within a level. A code the table no longer knows is listed by its code, never dropped."""
    lines = []
    for code in outcome_codes:
        flag = flag_for_code(code)
        question_id, _, answer = code.partition(":")
        question = QUESTION_BY_ID.get(question_id)
        wording = question.staff.get(answer) if question else None
        if any(reading.code == code for reading in READINGS):
            continue  # said below, with its numbers
        text = str(wording) if wording is not None else str(_l("Unrecognised item: %(code)s", code=code))
        lines.append(StaffLine(flag.level if flag else Level.DISCUSS, text, code))
    for reading in READINGS:
        numbers = [answers.get(part) for part in reading.parts]
        # A high reading, or one given by a patient whose answers raised the same flag (a high reading and
        # untreated pressure are one patient item): the numbers beside the clinic's threshold either way.
        raised = reading.code in outcome_codes or any(flag_for_code(code) == reading.flag for code in outcome_codes)
        if raised and None not in numbers:
            text = str(reading.staff) % {"reading": "/".join(str(number) for number in numbers),
                                         "threshold": "/".join(str(n) for n in thresholds.get(reading.id, ()))}
            # Beside the answer that raised the same flag, where there is one.
            after = [i for i, line in enumerate(lines) if flag_for_code(line.code) == reading.flag]
            lines.insert(after[-1] + 1 if after else len(lines), StaffLine(reading.flag.level, text, reading.code))
    return sorted(lines, key=lambda line: -line.level)
