"""What a query states: the diagnosis it names ("dx: X", "c/w X", "they said it's X", "X on
<drug>") or what a test showed, searched on its own; and where a cancer has spread."""

from __future__ import annotations

import re
from collections.abc import Container

from assistant.condition_phrases import beside_drugs, long_term_drug, reworded_within
from assistant.expansion import Expansion
from assistant.query_words import WORD

# "dx: X", "c/w X", "diagnosed with X", "impression: X" up to the next clause; else what
# a test showed
_FOCUS = re.compile(
    r"\b(?:dx|diagnos(?:is|ed with)|c/w|consistent with|impression|assessment|confirmed|"
    r"tested positive for|positive for)\b\s*:?\s*(?P<focus>[^,;.]+)",
    re.IGNORECASE,
)


# what a test showed: "CT chest: X", "EGD showed X", "MRI brain: X", "US w/ X"
_FINDING = re.compile(
    r"\b(?:x-?ray|xr|cxr|ct|cta|mri|mra|us|ultrasound|echo|tte|tee|egd|colonoscopy|"
    r"endoscopy|bx|biopsy|pathology|path|ekg|ecg|eeg|emg|angiogram|cath)\b"
    r"(?: (?:of )?(?:the )?[a-z/]+)?\s*(?::|showed|shows|revealed|reveals|demonstrat\w*|"
    r"w/|with)\s*(?P<focus>[^,;.]+)",
    re.IGNORECASE,
)


# how a patient or family reports a diagnosis they were given: "they said it's shingles",
# "the doctor called it panic disorder", "was told I have gout", "it's called croup"
_LAY_FOCUS = re.compile(
    r"\b(?:(?:said|says|say|thinks?|thought)(?: (?:it'?s|it is|it was|that|this is|"
    r"(?:i|he|she|they|we|you|my \w+) (?:have|has|had|got))\b)?|"
    r"called (?:it|this|that)|calls? (?:it|this|that)|(?:it'?s|it is|this is) called|"
    r"told (?:me|us|him|her|them|my \w+)(?: (?:that|it'?s|it is|it was|"
    r"(?:i|he|she|they|we) (?:have|has|had)))?|told (?:i|he|she|they|we) (?:have|has|had))"
    r"\s+(?P<focus>[^,;.]+)",
    re.IGNORECASE,
)


_DENIED = re.compile(r"\b(?:not|no|isn'?t|wasn'?t|doesn'?t|never|nothing|fine|normal)\b", re.I)


_TREATED_CONDITION = re.compile(
    r"\s*(?P<focus>[^,;.]+?)\s+(?:on|controlled (?:on|with)|managed (?:on|with)|"
    r"treated with|maintained on)\s+(?P<drug>\w+[\w-]*(?:\s+\w+[\w-]*){0,2})\s*[.]?\s*$",
    re.IGNORECASE,
)
# a clause that follows the stated diagnosis, not part of it
_CLAUSE_BREAK = re.compile(r"\s(?:but|though|although|however|except|yet|so)\b", re.I)
_DENIAL_REACH = 12  # characters before "dx" where "no prior" denies the diagnosis


def stated_focus(
    query: str, expansions: list[Expansion], vocabulary: Container[str] = ()
) -> tuple[str, str]:
    """The diagnosis the query states, or what a test showed, searched on its own (with
    the meanings of its words); and the stated diagnosis as written ("" for a finding)."""
    m = _FOCUS.search(query)
    if m is not None and _DENIED.search(query[max(0, m.start() - _DENIAL_REACH) : m.start()]):
        m = None  # "no prior dx of prostate cancer" states none
    stated = m is not None
    if m is None:
        m = _FINDING.search(query)
    if m is None:
        m = _LAY_FOCUS.search(query)
        if m is not None and _DENIED.search(m.group("focus")):
            m = None  # "the doctor says it isn't infected" states no diagnosis
        stated = m is not None
    if m is None:
        # "hypertension on lisinopril", "GERD controlled with omeprazole": the condition
        # treated is the focus; the drug is treatment, not a drug event
        m = _TREATED_CONDITION.match(query)
        if m is not None and any(w.lower() in vocabulary for w in WORD.findall(m.group("drug"))):
            m = None  # "controlled with insulin", "on my right side": words the titles use
        stated = m is not None  # a condition under treatment is a diagnosis stated
    if m is None:
        beside = beside_drugs(query, expansions)
        if beside:
            inside = [
                e.means
                for e in expansions
                if not long_term_drug(e) and query[e.start : e.end] in beside
            ]
            return " ".join([beside, *inside]), reworded_within(beside, query, expansions)
    if m is None or len(m.group("focus").split()) < 1:
        # where a cancer has spread is searched on its own ("spread to the liver")
        return next((e.means for e in expansions if e.source == "oncology phrasing"), ""), ""
    a, b = m.span("focus")
    cut = _CLAUSE_BREAK.search(query, a, b)
    if cut is not None:  # "a fatty liver but I don't drink": the diagnosis ends at "but"
        b = cut.start()
    inside = [e.means for e in expansions if a <= e.start and e.end <= b]
    phrase = query[a:b].strip()
    if not phrase:
        return "", ""
    return " ".join([phrase, *inside]), phrase if stated else ""


# where a cancer has spread: "spread to the liver", "metastatic to bone", "mets to brain",
# "brain metastases": the secondary site, coded as a secondary malignant neoplasm of it
_SPREAD_TO = re.compile(
    r"\b(?:spread(?:ing)?|metastatic|metastasi[sz]ed|metastasis|metastases|mets) (?:to|into|in) "
    r"(?:the |my |his |her |their )?(?P<site>[a-z][a-z ]*?)(?=[,;.()]|$| and | with | from | or )",
    re.IGNORECASE,
)
_SITE_METASTASES = re.compile(
    r"\b(?P<site>(?!(?:multiple|widespread|distant|known|no|with|and|of|the|new|many|several)\b)"
    r"[a-z]+) (?:metastases|metastasis|mets|secondaries)\b",
    re.IGNORECASE,
)


def secondary_sites(query: str) -> list[Expansion]:
    out = []
    for pattern in (_SPREAD_TO, _SITE_METASTASES):
        for m in pattern.finditer(query):
            site = " ".join(m.group("site").split())
            if site:
                means = f"secondary malignant neoplasm of {site}"
                out.append(Expansion(m.group(0), means, "phrase", "oncology phrasing", *m.span()))
    return out
