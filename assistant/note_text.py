"""What a clinical note's words say, as a coder reads them: the note's setting, treatment
and long-term drug words, the condition a sentence names and the conditions medications
are named for, the parts of a line naming several conditions, the note's approach, and the
words that mark statements coding nothing (no procedure, a referral, a routine step) or
asking for a status code (dialysis, screening, weeks of gestation). Used by
``assistant.suggest``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.qualifier_words import APPROACHES, CONVERTED_TO_OPEN, OPEN_APPROACH

# the setting of a note: a discharge summary or a hospital course is inpatient; otherwise a
# heading that calls the note outpatient wins over an admission mentioned; a patient
# "discharged" home may be an outpatient
_INPATIENT_STAY = re.compile(
    r"\b(?:inpatient|discharge summary|hospital (?:day|course)|length of stay)\b", re.IGNORECASE
)
_ADMITTED = re.compile(r"\badmi(?:tted|ssion)\b", re.IGNORECASE)
_OUTPATIENT = re.compile(
    r"\b(?:outpatient|out-patient|same[- ]day|ambulatory|day surgery|office|clinic|"
    r"emergency department visit|ed visit)\b",
    re.IGNORECASE,
)
HEADING_LINES = 3  # the first lines of a note, where it states its setting


def note_setting(text: str) -> str:
    """ "inpatient" or "outpatient", as the note says."""
    if _INPATIENT_STAY.search(text):
        return "inpatient"
    heading = [line for line in text.splitlines() if line.strip()][:HEADING_LINES]
    if _OUTPATIENT.search("\n".join(heading)):
        return "outpatient"
    return "inpatient" if _ADMITTED.search(text) else "outpatient"


# chronic conditions under treatment in narrative text
TREATED = re.compile(
    r"\b(?:on (?:\w+ ){0,3}(?:daily|bid|tid|qd|mg|therapy)|controlled (?:on|with)|managed with|"
    r"treated with|takes|taking|maintained on|on [a-z]+(?:ol|il|in|ide|one|ine|pam|lam|tan|"
    r"pril|statin|zole|mab|parin|ate|ban|nib|vir)\b|requiring|dependent|"
    # a treatment or status coded on its own (dialysis: Z99.2; insulin: Z79.4)
    r"on (?:chronic |in-center |home |maintenance )?(?:hemo|peritoneal )?dialysis\b|"
    r"on (?:home |supplemental )?oxygen\b|on (?:a |the )?ventilator\b|on insulin\b|"
    r"on (?:chronic )?anticoagulation\b)|"
    # a list item naming its drug after a dash: "Hypertension - lisinopril 20 mg daily"
    # or after a colon: "Hypertension: lisinopril-HCTZ 20/12.5 mg daily" (not a list's
    # label: "Home meds: metformin 1000 mg BID")
    r"(?:(?<=\s)[-\u2013\u2014]|(?<!meds)(?<!medications)(?<!medication)(?<!rx)"
    r"(?<!allergies)(?<=\w):)\s+"
    r"(?=[a-z][\w-]*(?: [a-z][\w-]*)? \d+(?:[./]\d+)* ?(?:mg|mcg|units?|g|ml)\b)",
    re.IGNORECASE,
)
_SUBJECT = re.compile(
    r"\b(?:(?:the )?(?:patient|pt|she|he|they)(?: also)? (?:has|have|had|is|with)|"
    r"known|history of|mother|father|sister|brother|with)\b",
    re.IGNORECASE,
)
_WORDS = re.compile(r"[A-Za-z]{3,}")
# a word that can name a condition, abbreviations with digits too ("T2DM", "DM2", "CKD3")
_NAME = re.compile(r"[A-Za-z]{3,}|\b(?=[A-Za-z0-9]*[A-Za-z]{2})[A-Za-z0-9]{3,}\b")
# a drug the patient is on long term ("on insulin", "takes metformin", "anticoagulated")
_DRUG_NAMES = (
    r"insulin|metformin|[a-z]*(?:gliptin|gliflozin|glutide|glipizide|glyburide)|"
    r"warfarin|coumadin|apixaban|rivaroxaban|dabigatran|eliquis|xarelto|aspirin|clopidogrel|"
    r"plavix|prednisone|steroids?|methotrexate|levothyroxine|estrogen|estradiol|hormone "
    r"replacement|opioids?|oxycodone|statins?|atorvastatin|anticoagula\w*"
)
# the words that say a patient is on a drug
_ON = r"on|takes|taking|maintained on|controlled (?:on|with)|managed with"
LONG_TERM = re.compile(
    rf"(?:\b(?:{_ON})\s+|"
    # a list item naming its drug: "Type 2 DM - insulin glargine 18 u qHS"
    r"(?<=\s)[-\u2013\u2014]\s*|(?<=[a-z]):\s*)"
    rf"(?P<drug>{_DRUG_NAMES})",
    re.IGNORECASE,
)
# a drug a medication list's item names first ("Aspirin 81 mg daily - held 7 days")
LISTED_DRUG = re.compile(rf"^\W*(?P<drug>{_DRUG_NAMES})\b", re.IGNORECASE)
# a drug the narrative says the patient is on ("on alendronate for 18 months"): the word
# after, for the lexicon to say whether it names a drug taken for long
ON_DRUG = re.compile(
    rf"\b(?:{_ON}|continues?)\s+"
    r"(?P<drug>[a-z][a-z-]+(?:\s+[a-z][a-z-]+)?)",
    re.IGNORECASE,
)
# how an injury happened: the external-cause codes a coder adds
MECHANISM = re.compile(
    r"\b(?:fell|fall(?:ing)?|slipped|tripped|struck|hit by|collision|mvc|mva|motor vehicle|"
    r"bicycle|bike|cyclist|pedestrian|bitten|bite|assault(?:ed)?|gunshot|stabbed|burned by|"
    r"ladder|stairs|ice|crash(?:ed)?)\b",
    re.IGNORECASE,
)
# where an injury happened: "in the garage of his home", "on a public sidewalk" (not where
# the patient was seen: "evaluated in the emergency department")
_PLACE = re.compile(
    r"\b(?:(?:in|at|on|inside|outside|near|along) (?:the|a|an|his|her|their|its|my|our) "
    r"((?:[\w'-]+ ){0,5}?[\w'-]+)|at (home|work|school))"
    r"(?=\s*(?:[,.;:()]|$|\b(?:when|while|and|after|where|reaching|near|with|at|in|on)\b))",
    re.IGNORECASE,
)
_SEEN_AT = re.compile(
    r"\b(?:seen|evaluated|treated|presented|admitted|brought|transported|taken|arrived|"
    r"transferred|examined)\W+(?:\w+\W+){0,2}$",
    re.IGNORECASE,
)
_NOT_PLACE = re.compile(r"\b(?:by|side|way)\b", re.IGNORECASE)  # "on the driver's side by"
_OWNER = re.compile(r"\b(?:his|her|their|its|my|our)\s+", re.IGNORECASE)
_ROLE = re.compile(
    r"\b(?:driver|passenger|pedestrian|cyclist|rider|occupant|motorcyclist)\b", re.IGNORECASE
)
_DOING = re.compile(r"\b\w+ing\b(?:\s+\w+){0,2}\s*$", re.IGNORECASE)
# where the clause that says how ends
_CLAUSE_END = re.compile(r"[,.;:()]|\b(?:when|while|after|onto|into|then|landing|striking)\b", re.I)


@dataclass(frozen=True)
class ExternalCause:
    """What an injury sentence says of its external causes: how (the clause naming the
    mechanism, without its places) and where (place phrases, without owners)."""

    how: str | None
    places: tuple[str, ...]


def external_cause(sentence: str) -> ExternalCause:
    places: list[str] = []
    spans: list[tuple[int, int]] = []
    for m in _PLACE.finditer(sentence):
        if _SEEN_AT.search(sentence[: m.start()]) or _NOT_PLACE.search(m.group(0)):
            continue
        places.append(" ".join(_OWNER.sub("", m.group(1) or m.group(2)).split()))
        spans.append(m.span())
    how = None
    found = MECHANISM.search(sentence)
    if found is not None:
        cuts = [0, *(m.end() for m in _CLAUSE_END.finditer(sentence, 0, found.start()))]
        # from the mechanism word, or from the injured person's role named before it
        # ("restrained driver of a sedan struck by ...": the driver is part of the code)
        role = _ROLE.search(sentence, max(cuts), found.start())
        doing = _DOING.search(sentence[max(cuts) : found.start()])  # "riding his bicycle"
        start = role.start() if role else found.start()
        if doing and not role:
            start = max(cuts) + doing.start()
        end_match = _CLAUSE_END.search(sentence, found.end())
        end = end_match.start() if end_match else len(sentence)
        kept = "".join(
            " " if any(a <= i < b for a, b in spans) else ch
            for i, ch in enumerate(sentence[start:end], start)
        )
        how = " ".join(kept.split()) or None
    return ExternalCause(how, tuple(dict.fromkeys(places)))


# a procedure list that says none was done ("None (transthoracic echo only)"), or that
# names what comes later ("pulmonary rehabilitation referral", "outpatient spirometry")
NO_PROCEDURE = re.compile(r"^\W*(?:none|no procedures?|n/a)\b")
LATER = re.compile(r"\b(?:referral|referred (?:to|for)|as an outpatient|to be scheduled)\b")
OUTPATIENT_WORD = re.compile(r"\boutpatient\b")  # in an inpatient note: after discharge
# steps of every encounter that code nothing by themselves, unless a procedure is named
ROUTINE = re.compile(
    r"\b(?:consent|time-?out|prepped|draped|positioned|sterile fashion|tolerated|"
    r"patient (?:was )?identified|site (?:was )?marked|peripheral iv|iv access|"
    r"vital signs|counts? (?:were |was )?correct|dressing|transferred|recovery room|pacu|"
    r"discharged|monitoring|access|accessed)\b"
)
# imaging or monitoring that guides or watches the operation it serves ("Intraoperative
# fluoroscopy", "neuromonitoring (SSEP/EMG)", "ultrasound guidance"): part of that operation
GUIDANCE = re.compile(
    r"\b(?:intra-?op(?:erative(?:ly)?)?|guidance|guided|localization)\b|"
    r"\b(?:neuro-?monitoring|neurophysiologic\w* monitoring|ssep|meps?|emg)\b"
)
GUIDING = re.compile(
    r"\b(?:fluoroscop\w*|fluoro|c-arm|ultrasound|sonograph\w*|x-rays?|radiograph\w*|imaging|"
    r"neuro-?monitoring|neurophysiologic\w*|monitoring|ssep|meps?|emg)\b"
)
PROCEDURE_WORD = re.compile(
    r"\b(?:\w+ectom\w*|\w+ostom\w*|\w+otom\w*|\w+plast\w*|\w+pex\w*|\w+scop\w*|"
    r"\w+graph\w*|\w+centesis|\w+tripsy|\w+desis|\w+rrhaph\w*|biops\w*|repair\w*|"
    r"insert\w*|implant\w*|placement|placed|excision|resection|removal|removed|drainage|"
    r"aspiration|injection|ablation|fixation|reduction|transfusion|delivery|closure|"
    r"catheteri[sz]\w*|cardioversion|dilation|stent\w*|graft\w*|bypass|fusion|"
    r"transplant\w*|amputation|debridement|incision|lavage)\b"
)
DIALYSIS = re.compile(
    r"\b(?:on (?:\w+[- ]){0,3}(?:hemo|peritoneal )?dialysis|(?:hemo)?dialysis[- ]dependent|"
    r"dependent on (?:hemo)?dialysis|esrd on (?:hemo)?dialysis|receives? (?:hemo)?dialysis)\b",
    re.IGNORECASE,
)
SCREENING = re.compile(r"\bscreening\b", re.IGNORECASE)
# done before this encounter: "last year", "3 years ago", "in 2019", "previous"
EARLIER = re.compile(
    r"\b(?:last (?:year|month|week)|\w+ (?:years?|months?|weeks?) ago|previous(?:ly)?|"
    r"prior|in (?:19|20)\d\d)\b",
    re.IGNORECASE,
)
# a denial just before a phrase: "not yet on dialysis", "no longer on dialysis"
_DENIED_BEFORE = re.compile(
    r"\b(?:not|no|never|without|nor)\b(?:\s+(?:yet|longer|currently|\w+ly))?\s*$", re.I
)


def said_not_denied(pattern: re.Pattern[str], text: str) -> bool:
    """``pattern`` occurs in ``text`` at least once without a denial just before it."""
    return any(not _DENIED_BEFORE.search(text[: m.start()]) for m in pattern.finditer(text))


OBSTETRIC = re.compile(
    r"\b(?:pregnan\w*|gestation\w*|labou?r|deliver\w*|cesarean|gravida|g\d+p\d+|"
    r"antepartum|intrapartum|postpartum)\b",
    re.IGNORECASE,
)
WEEKS = re.compile(
    r"\b(?P<weeks>[2-4][0-9])(?:\+\d|\s*(?:weeks?|wks?)\s*(?:and\s+)?\d\s*days?)?\s*"
    r"(?:weeks?|wks?)?(?:'|\s+of)?\s+(?:gestation|pregnant|ega|ga)\b|"
    r"\b(?:ga|ega|gestational age|admission|admitted|delivered|presented)\W+(?:at\s+|of\s+)?"
    r"(?P<weeks2>[2-4][0-9])(?:\+\d)?\s*(?:weeks?|wks?)\b",
    re.IGNORECASE,
)
_JOINS = re.compile(
    r",\s*(?:and\s+)?|\s+(?:and|with|w/|secondary to|due to|from|in the setting of|"
    r"complicated by|plus)\s+",
    re.IGNORECASE,
)
# "Chronic migraine - continue topiramate": the plan after an assessment item's dash
PLAN_AFTER = re.compile(
    r"\s+[-–—]+\s+(?:continue|start|proceed|plan|will|follow|f/u|monitor|refer|recheck|"
    r"increase|decrease|hold|stop|discharge|schedule|return|repeat|obtain|check|consult|"
    r"admit|treat|trial|counsel|resume|wean|titrate|add|switch|order|stable|see|wound care|"
    r"staple|suture|ice|elevat|rest|dressing|encounter for|cognitive|physical|graded|avoid|"
    r"educat\w*|handout|supportive|reassur\w*|observ\w*|analges\w*|antibiotics?|nsaids?|"
    r"sling|splint|brace|fluids|diet|pain control|labs?)\b.*$",
    re.IGNORECASE | re.DOTALL,
)
# the start of an assessment item or a line of its own, before a statement
ITEM_START = re.compile(r"(?:^|\n)[ \t]*(?:\d+[.)]|[-*•])?[ \t]*$")
# what the patient is told: return precautions, warning signs (no diagnosis of its own)
INSTRUCTIONS = re.compile(
    r"\W*(?:return precautions|return (?:to (?:the )?(?:ed|er|clinic|emergency \w+) )?if|"
    r"call (?:if|for)|warning signs|seek (?:care|medical (?:care|attention))|"
    r"instructed to|advised to|educated on|counseled on)\b",
    re.IGNORECASE,
)
# a part that names only where (a body part, a side) names no condition of its own
# (or only the encounter: "initial encounter - repaired")
_WHERE_ONLY = re.compile(
    r"^(?:(?:right|left|bilateral|both|upper|lower|distal|proximal|anterior|posterior|"
    r"medial|lateral|closed|open|the|of|and|a|dorsum|dorsal|volar|palmar|plantar|"
    r"superficial|deep|mid|middle|inner|outer|base|tip|radial|ulnar|superior|inferior|"
    r"central|apical|basal)\s*)*(?:[a-z]+)?$|"
    r"^(?:initial|subsequent|first|follow-up)\s+(?:encounter|visit)\b|^sequela\b",
    re.IGNORECASE,
)


_PARENTHESIS = re.compile(r"\([^()]*\)")


def without_parentheses(text: str) -> str:
    return " ".join(_PARENTHESIS.sub(" ", text).split())


def parts(text: str) -> list[str]:
    """The conditions a diagnosis line joins, when there are two or more with at least
    two words each ("Hypertensive heart disease with heart failure" -> both parts); a
    part that only says where ("right ankle") is not one."""
    # a parenthesis elaborates its condition ("laceration (major laceration with hilar
    # involvement)"): no part is split inside it
    pieces = [" ".join(p.split()).strip(" .;:") for p in _JOINS.split(_PARENTHESIS.sub(" ", text))]
    pieces = [p for p in pieces if len(_WORDS.findall(p)) >= 2 and not _WHERE_ONLY.match(p)]
    return pieces if len(pieces) >= 2 else []


def before_treatment(text: str) -> str:
    """A diagnosis line without the treatment it names ("Type 2 diabetes mellitus with
    hyperglycemia, on metformin" -> "Type 2 diabetes mellitus with hyperglycemia")."""
    flat = " ".join(text.split())
    m = TREATED.search(flat)
    if m is None or not _WORDS.search(flat[: m.start()]):
        return text
    return flat[: m.start()].rstrip(" ,;:-")


def condition_named(text: str) -> str:
    """The condition a narrative sentence names: before the treatment it is on, without
    the subject ("She has hypertension controlled on amlodipine" -> "hypertension"); a
    measure under treatment names its condition ("blood pressure controlled on
    lisinopril" -> "hypertension")."""
    m = TREATED.search(text)
    head = text[: m.start()] if m and _NAME.search(text[: m.start()]) else text
    head = " ".join(_SUBJECT.sub(" ", _LABEL.sub("", head)).split())
    head = head.lstrip("-\u2022* ").rstrip(" -\u2013\u2014:;,")
    if m:
        for pattern, condition in _TREATED_MEASURES:
            if pattern.fullmatch(head.strip(" .,:;-").lower()):
                return condition
    return head or text


# a label before the condition ("PMH: ADHD on methylphenidate")
_LABEL = re.compile(r"^\W*(?:[A-Za-z][A-Za-z/ ]{0,24}):\s*")
# a measure a drug controls, for the condition it stands for
_TREATED_MEASURES = tuple(
    (re.compile(p), c)
    for p, c in (
        (r"(?:home |her |his |the )?(?:blood pressure|bp|pressures?)", "hypertension"),
        (r"(?:her |his |the )?(?:cholesterol|lipids?|ldl)", "hyperlipidemia"),
        (r"(?:her |his |the )?(?:blood )?(?:sugars?|glucose)(?: levels?)?", "diabetes mellitus"),
        (r"(?:her |his |the )?thyroid", "hypothyroidism"),
        (r"(?:her |his |the )?reflux", "gastro-esophageal reflux disease"),
    )
)
# "metoprolol (hypertension)", "lisinopril for hypertension", "on X for Y"
_PAREN = re.compile(r"\(([A-Za-z][A-Za-z ,'/-]{2,60})\)")
_FOR = re.compile(r"\bfor (?:his |her |the )?([a-z][a-z '/-]{2,60}?)(?=[,.;()]|\band\b|$)", re.I)
_DRUGLIKE = re.compile(r"\b(?:takes|taking|on|medications?|meds|prescribed|started)\b", re.I)


# a drug and its dose in parentheses after the condition it treats: "followed for
# hypothyroidism (levothyroxine 88 mcg), hypertension (losartan 50 mg) and GERD"
_DOSED_PAREN = re.compile(
    r"\((?:[^()]*?\b)?[a-z][\w-]*(?: [a-z][\w-]*)? \d+(?:[./]\d+)* ?"
    r"(?:mg|mcg|units?|g|ml)\b[^()]*\)",
    re.I,
)
# where the words before such a parenthesis begin: the condition is the last of them
_CONDITION_START = re.compile(r"[,;:.]|\b(?:and|for|with|of|has|had|is)\b", re.I)


def dosed_conditions(text: str) -> list[str]:
    """Conditions named right before a parenthesis holding a drug and its dose."""
    out = []
    for m in _DOSED_PAREN.finditer(text):
        before = text[: m.start()]
        starts = [s.end() for s in _CONDITION_START.finditer(before)]
        out.append(" ".join(before[starts[-1] if starts else 0 :].split()))
    return out


def indications(text: str, medication_list: bool) -> list[str]:
    """Conditions a sentence names as a medication's reason: in a sentence that speaks of
    medication, or before a drug's dose in parentheses."""
    found = dosed_conditions(text)
    if medication_list or _DRUGLIKE.search(text):
        found += [
            m.group(1) for m in _PAREN.finditer(text) if not _DOSED_PAREN.fullmatch(m.group(0))
        ]
        found += [m.group(1) for m in _FOR.finditer(text)]
    out = []
    for f in found:
        f = " ".join(f.split()).strip(" ,")
        if len(_WORDS.findall(f)) >= 1 and not _NOT_CONDITION.match(f):
            out.append(f)
    return list(dict.fromkeys(out))


# what a parenthesis or "for" also holds that names no condition
_NOT_CONDITION = re.compile(
    r"(?:held|stopped|paused|discontinued|daily|weekly|monthly|years?|months?|weeks?|days?|"
    r"now|prn|as needed|home|the|a|an|history|h/o|hx|s/p|status|since|last|started|dose|"
    r"not|no|\d)\b",
    re.I,
)
# an endoscope names the approach whatever else the note says; otherwise the approach is
# the note's only one, and a note naming both an incision and a needle (local anesthetic,
# a localizing needle, a lead through a vein) leaves it to each procedure's own words
_SCOPES = ("Via Natural or Artificial Opening Endoscopic", "Percutaneous Endoscopic")


# a sentence about a step not done or only planned ("cystoscopy was discussed but
# deferred", "elective VATS would be reasonable - pt will think about it") names no
# approach of what was done
_NOT_THIS = re.compile(
    r"\b(?:deferred|not (?:performed|done|undertaken)|aborted|cancell?ed|declined|"
    r"will (?:be|need|undergo|have|think|consider|return)|plan(?:s|ned)? (?:for|to)|"
    r"to be (?:done|performed|scheduled|arranged)|discussed|consider(?:ed|ing)?|"
    r"reasonable|candidate for|if (?:needed|necessary)|recommend\w*|in the future)\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"[^.\n]+(?:\.|\n|$)")


def note_approach(note: str) -> str | None:
    """The approach the note's words name, when they name one (sentences about a step
    not done or only planned aside)."""
    lower = " ".join(
        m.group(0) for m in _SENTENCE.finditer(note.lower()) if not _NOT_THIS.search(m.group(0))
    )
    if CONVERTED_TO_OPEN.search(lower):
        return OPEN_APPROACH
    named = [name for name, pattern in APPROACHES if pattern.search(lower)]
    scope = next((name for name in named if name in _SCOPES), None)
    if scope is not None:
        return scope
    return named[0] if len(named) == 1 else None


# a delivery, and a note that is the newborn's own record (said in its first lines)
_DELIVERED = re.compile(
    r"\b(?:delivered|vaginal delivery|cesarean|c-section|svd|nsvd)\b", re.IGNORECASE
)
_NEWBORN_RECORD = re.compile(r"\b(?:newborn|neonat\w*|nicu|infant)\b", re.IGNORECASE)
_HEADER_CHARS = 200


def delivery_record(note: str) -> bool:
    """The mother's record of a delivery (not the newborn's own record)."""
    return bool(
        OBSTETRIC.search(note)
        and _DELIVERED.search(note)
        and not _NEWBORN_RECORD.search(note[:_HEADER_CHARS])
    )


# a malignancy of a history list whose sentence says it was treated and is gone: excised or
# eradicated, no treatment now, no evidence of it (guideline I.C.2.d: personal history,
# Z85). Blood cancers have their own "in remission" codes and are left to them.
_MALIGNANCY = re.compile(
    r"\b(?:cancer|carcinoma|malignan\w*|melanoma|sarcoma|adenocarcinoma|seminoma|"
    # "thyroid CA", "colon ca": the abbreviation, not a calcium value ("Ca 9.2")
    r"ca(?![\w+])(?!\s*[:=-]?\s*\d))",
    re.I,
)
_BLOOD_CANCER = re.compile(r"\b(?:leukemia|lymphoma|myeloma)\b", re.I)
_TREATED_AND_GONE = re.compile(
    r"\b(?:(?:19|20)\d\d|s/p|status post|treated|completed|resected|excised|removed|"
    r"no evidence of (?:recurrence|disease|residual)|ned|cancer[- ]free|disease[- ]free|"
    r"in remission|cured)\b",
    re.I,
)
_STILL_TREATED = re.compile(
    r"\b(?:currently|ongoing|receiving|undergoing|on (?:active )?(?:treatment|chemo\w*|"
    r"tamoxifen|letrozole|anastrozole|exemestane|hormon\w+ therapy|immunotherapy)|"
    r"metasta\w*|recurren(?:ce|t) (?:of|in|diagnosed)|active disease)\b",
    re.I,
)
# a treatment the note says is over ("completed 5 years of tamoxifen in 2020"; not one
# "to be stopped")
FINISHED = re.compile(r"(?<!be )\b(?:completed|finished|stopped|discontinued|quit)\b", re.I)
# a course that ends: no long-term (current) drug therapy
SHORT_COURSE = re.compile(
    r"\b(?:completed|finished|stopped|discontinued|taper(?:ing|ed)?|course|"
    r"(?:x|for|times)\s*\d+\s*(?:more\s+)?(?:days?|d|doses?|weeks?|wks?)|once|one[- ]time|"
    r"single dose|stat|in (?:the )?(?:ed|er|clinic|or|pacu))\b",
    re.I,
)
_SENTENCE_END = re.compile(r"\.(?:\s|$)|\n\s*\n")


def treated_cancer(note: str, start: int, item: str) -> bool:
    """The history item names a solid malignancy and its sentence says it was treated and
    is gone ("Right breast cancer (stage I), lumpectomy and radiation 2015, completed
    tamoxifen in 2020; no evidence of recurrence")."""
    if not _MALIGNANCY.search(item) or _BLOOD_CANCER.search(item):
        return False
    end = _SENTENCE_END.search(note, start)
    sentence = note[start : end.start() if end else len(note)]
    return bool(_TREATED_AND_GONE.search(sentence)) and not _STILL_TREATED.search(sentence)


SAME_AS_BEFORE = re.compile(
    r"\bpost-?\s?op(?:erative)?\.?\s+(?:diagnos[ie]s|dx)\s*[:\-]\s*same\b", re.IGNORECASE
)
# how a target was found ("seed-localized", "wire localization"): no procedure of its own
LOCALIZED = re.compile(
    r"\b(?:radioactive[- ])?(?:seed|wire|needle|clip|magseed|radar|reflector)"
    r"[- ](?:locali[sz]ed|locali[sz]ation|guided)\b",
    re.IGNORECASE,
)
# a reduction holds the bone with a splint or cast: part of the reduction (not coded apart)
REDUCED = re.compile(r"\b(?:reduction|reduced|reposition\w*|orif|manipulat\w*)\b", re.I)
HELD_AFTER = re.compile(
    r"\s*(?:,|\bwith\b|\band\b|\+|\bfollowed by\b)\s+(?:[\w-]+\s+){0,3}?"
    r"(?:splint|cast|casting|sling|immobili[sz]\w*)(?:\s+(?:application|applied|placement))?",
    re.IGNORECASE,
)


def integral_removed(statement: str) -> str:
    """A procedure statement without the steps that belong to its procedure: how the
    target was localized, the splint or cast that holds a reduction."""
    out = LOCALIZED.sub(" ", statement)
    if REDUCED.search(out):
        out = HELD_AFTER.sub(" ", out)
    return " ".join(out.split())
