"""The words a query or a code title uses for a side, an encounter (7th character) and a
PCS approach, as (name, pattern) pairs tried in order; ``first_match`` names the first
that matches."""

from __future__ import annotations

import re


def first_match(patterns: tuple[tuple[str, re.Pattern[str]], ...], text: str) -> str | None:
    return next((name for name, pattern in patterns if pattern.search(text)), None)


# a procedure begun through a scope and converted to an open one is coded with the open
# approach (ICD-10-PCS guideline B5.2a): "laparoscopic converted to open cholecystectomy"
CONVERTED_TO_OPEN = re.compile(
    r"\bconver(?:ted|sion|t) (?:\w+ )?to (?:an? )?(?:open|(?:mini-?)?laparotomy|thoracotomy|"
    r"sternotomy|arthrotomy)\b",
    re.IGNORECASE,
)
OPEN_APPROACH = "Open"

# the words after "left" the verb ("left a stent", "a drain was left in place")
VERB_LEFT_AFTER = r"(?:a|an|the|it|them|in|behind|alone|untreated|with)\b"
VERB_LEFT = re.compile(rf"\bleft(?= {VERB_LEFT_AFTER})", re.IGNORECASE)
LATERALITY: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "bilateral",
        re.compile(
            r"\b(bilateral|bilat|b/l|"
            r"both(?: sides| (?:(?:my|his|her|their|your|the) )?(?!bones)[a-z]+s\b))"
        ),
    ),
    ("right", re.compile(r"\b(right|rt)\b")),
    # "left a stent", "left in place": the verb, not the side
    ("left", re.compile(rf"\b(left|lt)\b(?! {VERB_LEFT_AFTER})")),
)
ENCOUNTER: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("sequela", re.compile(r"\b(sequela|sequelae|late effects?)\b")),
    (
        "subsequent",
        re.compile(
            r"\b(subsequent|follow[- ]?up|f/u|routine healing|healing|re-?check(?:ed)?|"
            r"wound check)\b"
        ),
    ),
    ("initial", re.compile(r"\b(initial|first (?:visit|encounter)|active treatment|acute)\b")),
)
# (PCS approach value, words that name it); the first match wins, most specific first.
APPROACHES: tuple[tuple[str, re.Pattern[str]], ...] = (
    # a scope procedure converted to open is coded Open (what was done at the end), and
    # an "ex lap" is an open exploratory laparotomy, not a laparoscopy: before all others
    (
        "Open",
        re.compile(
            r"\b(conver(?:ted|sion|ts?|ting) (?:to|into) (?:an? )?(?:open|laparotomy)|"
            r"ex(?:pl?)?\.? lap|exploratory laparotomy|open conversion)\b"
        ),
    ),
    (
        "Via Natural or Artificial Opening Endoscopic",
        re.compile(
            r"\b(cystoscop\w*|hysteroscop\w*|colonoscop\w*|bronchoscop\w*|ureteroscop\w*|"
            r"esophagoscop\w*|gastroscop\w*|egd|transurethral|sigmoidoscop\w*|proctoscop\w*|"
            r"laryngoscop\w*|nasopharyngoscop\w*|nasendoscop\w*|enteroscop\w*|duodenoscop\w*|"
            r"colposcop\w*|rhinoscop\w*|ercp|eus|fess|endoscopic sinus|"
            r"via natural or artificial opening endoscopic)\b"
        ),
    ),
    (
        "Percutaneous Endoscopic",
        re.compile(
            r"\b(laparoscop\w*|arthroscop\w*|thoracoscop\w*|robotic\w*|robot[- ]assisted|lap|vats|"
            # a joint "scoped" is an arthroscopy: "knee scope", "scoped my right shoulder"
            r"(?:knee|shoulder|hip|ankle|wrist|elbow|joint)s? scop(?:e|ed|ing)|"
            r"scop(?:e|ed|ing) (?:(?:my|his|her|their|the|a) )?(?:(?:right|left|r|l) )?"
            r"(?:knee|shoulder|hip|ankle|wrist|elbow|joint)s?|"
            r"mediastinoscop\w*|pelviscop\w*|percutaneous endoscopic|keyhole|"
            r"(?:(?:a )?(?:few|several|tiny|small|little|three|two|four) )+"
            r"(?:holes|cuts|incisions|punctures|ports))\b"
        ),
    ),
    (
        "Via Natural or Artificial Opening",
        re.compile(
            r"\b(transvaginal\w*|transoral\w*|transanal\w*|vaginal(?:ly)?|via natural opening|"
            r"transnasal\w*|per rectum|per vagina|nasogastric|orogastric|"
            r"via natural or artificial opening|"
            r"(?:through|via|by way of) (?:the |my |her |his )?"
            r"(?:vagina|mouth|nose|nostrils?|rectum|anus|urethra))\b"
        ),
    ),
    (
        "Percutaneous",
        re.compile(
            r"\b(percutaneous\w*|needle|transforaminal|endovascular|transcatheter|"
            r"through the skin|\w+centesis|(?:ct|us|ultrasound|fluoroscop\w*|image)[- ]guided|"
            r"lumbar puncture|spinal tap|fna|transfemoral|transradial|transjugular|"
            r"transarterial|transvenous|transhepatic|"
            r"(?:femoral|radial|brachial|jugular|pedal|axillary|cephalic|subclavian|basilic)"
            r"(?: artery| vein| arterial| venous)? (?:access|approach|puncture|sheath|cannulation)|"
            r"(?:venous|arterial|transvenous) access|venipuncture|"
            r"via (?:the )?(?:right |left |r |l )?(?:common )?(?:femoral|radial|brachial|jugular)"
            r" (?:artery|vein)|"
            # lay words for catheter access: "went in through my wrist with a thin tube",
            # "a wire up from the groin"
            r"(?:went|go|going|goes|got|gone) in (?:through|from|via) (?:the |my |his |her )?"
            r"(?:wrist|groin)|"
            r"(?:tubes?|wires?|catheters?)(?: \w+){0,3}? (?:through|via|from|in|up) "
            r"(?:the |my |his |her )?(?:right |left )?(?:wrist|groin|leg|arm|neck|thigh)|"
            r"(?:through|via|from) (?:the |my |his |her )?(?:right |left )?"
            r"(?:wrist|groin|leg|arm|neck|thigh)(?: \w+){0,3}? (?:tubes?|wires?|catheters?)|"
            # abbreviations that spell the approach (Percutaneous, Transcatheter,
            # Endovascular, Transjugular, Transarterial)
            r"pci|ptca|picc|ptc|ptbd|tavr|tavi|tmvr|tmvi|teer|evar|tevar|fevar|tace)\b"
        ),
    ),
    (
        "Open",
        re.compile(
            r"\b(open|incision(?:al)?|"
            # lay words for one incision: "through one big cut in my stomach", "cut open"
            r"(?:one |a |an )?(?:big|large|long|huge) (?:cut|incision|scar)|"
            r"cut (?:me |him |her )?open)\b"
        ),
    ),
    (
        "External",
        re.compile(
            # "external" as a way in, not a structure or device named external ("external
            # iliac artery", "external fixator", "external heart assist system")
            r"\bexternal(?:ly)?\b(?! (?:ear|auditory|carotid|iliac|jugular|fixat\w*|heart|"
            r"hemorrhoid\w*|genital\w*|os|sphincter|beam|oblique|nose|nasal|urethral|meatus|"
            r"canal|radiation|pacemaker|pacing|assist\w*|defibrillat\w*|counterpulsation|pump|"
            r"cardiac|ventricular|drain\w*))|\bclosed reduction\b|"
            r"\bwithout (?:surgery|an incision|incision|cutting)\b|\bnon-?surgical(?:ly)?\b|"
            r"\bfrom (?:the )?outside\b"
        ),
    ),
)
APPROACH_NAMES = frozenset(name for name, _ in APPROACHES)
# a scope or camera with no other approach word goes in through a natural opening ("a
# camera down the throat"); a keyhole or belly scope is named as one ("laparoscope")
SCOPE_APPROACHES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "Via Natural or Artificial Opening Endoscopic",
        re.compile(r"\b(cameras?|scopes?|scoped|endoscop\w*)\b"),
    ),
)
# how a substance is given, when nothing else names the approach (a note's "IV
# antibiotics" says nothing of how its operation was done, so notes do not use these)
ADMINISTRATION_APPROACHES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "Percutaneous",
        re.compile(
            r"\b(iv|piv|intravenous\w*|intramuscular\w*|subcutaneous(?:ly)? inject\w*|"
            r"inject(?:ion|ions|ed)|infus(?:ion|ions|ed)|transfus(?:ion|ions|ed))\b"
        ),
    ),
    (
        "Via Natural or Artificial Opening",
        re.compile(r"\b(inhal\w*|nebuliz\w*|by mouth|orally|rectally|intranasal\w*)\b"),
    ),
    ("External", re.compile(r"\b(topical\w*|transcutaneous\w*|non-?invasive\w*)\b")),
)
