"""Patterns the query analysis reads with, shared by the PCS reading: phrases a query
negates, steps it says were not done, durations, numerals of a grade or stage, words of a
partial removal, and a procedure done both to treat and to diagnose."""

from __future__ import annotations

import re

# a word as the analysis reads it (offsets into the query as given)
WORD = re.compile(r"[A-Za-z][A-Za-z0-9'\-]*")

# Words that make an "-ectomy" an Excision (part of a body part) rather than a Resection.
# So do lesions: taking out a polyp, lump, cyst or myoma removes part of the organ.
PARTIAL = re.compile(
    r"\b(partial|biops\w*|wedge|excisional|sub-?total|segmental|sleeve|lesion\w*|"
    r"tumou?r\w*|mass|masses|nodul\w*|lump\w*|polyp\w*|myom\w*|fibroid\w*|lipom\w*|cyst|cysts|"
    # a growth named by "-oma" (glioma, meningioma, lipoma) as what is taken out, not a
    # stoma, coma or hematoma
    r"(?:resection|excision|removal|debulking|enucleation) of (?:\w+ ){0,3}?"
    r"(?!(?:stoma|stomas|coma|glaucoma|hematoma|hematomas|seroma|seromas|trachoma)\b)"
    r"[a-z]{3,}omas?|"
    r"reduction|preserv\w*|sparing|pieces?|portion|part of|"
    # a named part of a bone taken off ("resection of the medial eminence", "spur")
    r"eminence|prominence|spurs?|osteophytes?|exostos[ie]s|"
    # a resection through the urethra or under the mucosa takes tissue, not the organ
    r"transurethral|submucous|submucosal)\b"
)


# a phrase the query negates ("no rheumatic disease", "denies chest pain"), up to a comma
# ("without X" is how titles say it, so it stays)
NEGATED_PHRASE = re.compile(
    r"\b(?:no|not|denies|negative for|never|(?:do|does|did)(?:n'?t| not))\b"
    r"(?! (?:\w+ )?enough\b)[^,;.()]*",  # "don't have enough iron" is a deficiency
    re.IGNORECASE,
)
# what a procedure query says was not done ("nothing removed", "no stent", "without
# biopsy"), up to a comma
NOT_DONE = re.compile(r"\b(?:no|not|nothing|without|w/o|none)\b[^,;.]*", re.IGNORECASE)


# a duration: "for 4 years", "x 3 days", "over the past 2 weeks", "3 months ago", "three
# weeks of ..."
DURATION = re.compile(
    r"\b(?:(?:for|x|over|past|last|since|about|almost|nearly|of)\s+(?:the\s+)?(?:past\s+|last\s+)?"
    r"(?P<n>\d+(?:\.\d+)?(?:\s*-\s*\d+(?:\.\d+)?)?)\s*(?:years?|yrs?|months?|mos?|weeks?|wks?|"
    r"days?|d|hours?|hrs?|h)\b(?!\s+(?:pregnant|gestation|ga|old))|"
    r"(?P<n2>\d+)\s*(?:years?|yrs?|months?|mos?|weeks?|wks?|days?)\s+ago|"
    # "three weeks of anorexia", "2 days of fever"
    r"(?P<n3>\d+|one|two|three|four|five|six|seven|eight|nine|ten|several|a few|a couple)"
    r"\s+(?:years?|months?|weeks?|days?|hours?)\s+of)\b",
    re.IGNORECASE,
)


def without_number(m: re.Match[str]) -> str:
    """A :data:`DURATION` match without its number (\"for  years\")."""
    number = m.group("n") or m.group("n2") or m.group("n3")
    return m.group(0).replace(number, " ", 1)


# a numeral of a grade, stage or class ("grade IV", "type I", "NYHA class III")
NUMERAL = re.compile(
    r"\b(?:grade|stage|type|class|phase|level|tier|degree|factor|cranial nerve|cn|zone|"
    r"salter(?:-harris)?|gustilo|mallampati|nyha|asa|fitzpatrick)\s+"
    r"(?P<numeral>(?:i{1,3}|iv|vi{0,3}|ix|xi{0,2})[abc]?)\b",
    re.IGNORECASE,
)


# a procedure done to treat and to diagnose: coded as therapeutic (no Diagnostic qualifier)
# ("therapeutic and diagnostic", "paracentesis (therapeutic), with diagnostic studies")
BOTH_INTENTS = re.compile(
    r"\b(?:therapeutic\b[^.;]{0,40}?\bdiagnostic|diagnostic\b[^.;]{0,40}?\btherapeutic)\b",
    re.IGNORECASE,
)
_DIAGNOSTIC_WORD = re.compile(r"\bdiagnostic\b", re.IGNORECASE)


def therapeutic_only(text: str) -> str:
    """``text`` without the word "diagnostic" where it names both intents."""
    return BOTH_INTENTS.sub(lambda m: _DIAGNOSTIC_WORD.sub(" ", m.group(0)), text)
