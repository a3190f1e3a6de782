"""Parse a code-description page (plain text saved from a coding-reference site).

The parser walks the page line by line, keeping offsets into the page text:
site boilerplate (navigation, log-in prompts, copyright lines, chatbot promotions)
is dropped, known headings open named sections, the descriptor table becomes
attributes, modifier lines and code history become attributes too, and every
other line is content of the current section.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from corpus.records import Section

HEADINGS: dict[str, str] = {
    "official description": "official_descriptor",
    "official descriptor": "official_descriptor",
    "common language description": "lay_description",
    "lay description": "lay_description",
    "plain language description": "lay_description",
    "name of the procedure": "procedure_name",
    "summary": "summary",
    "purpose": "purpose",
    "indications": "indications",
    "procedure": "procedure",
    "procedure description": "procedure",
    "procedure steps": "procedure",
    "description of procedure": "procedure",
    "preparation": "preparation",
    "risks": "risks",
    "risks and complications": "risks",
    "complications": "risks",
    "recovery": "recovery",
    "post-procedure": "post_procedure",
    "post procedure": "post_procedure",
    "post-procedure care": "post_procedure",
    "alternatives": "alternatives",
    "benefits": "benefits",
    "duration": "duration",
    "setting": "setting",
    "personnel": "personnel",
    "patient experience": "patient_experience",
}
# Headings after which the page describes other codes: parsing stops there.
STOP_HEADINGS = frozenset({"similar codes", "related codes", "related cpt codes"})

ATTRIBUTE_LABELS: tuple[tuple[str, str], ...] = (
    ("Short Descr", "short_descriptor"),
    ("Medium Descr", "medium_descriptor"),
    ("Long Descr", "long_descriptor"),
    ("Status Code", "status"),
    ("Global Days", "global_days"),
    ("PC/TC Indicator (26, TC)", "pc_tc_indicator"),
    ("Multiple Procedures (51)", "multiple_procedures"),
    ("Bilateral Surgery (50)", "bilateral_surgery"),
    ("Physician Supervisions", "physician_supervision"),
    ("Assistant Surgeon (80, 82)", "assistant_surgeon"),
    ("Co-Surgeons (62)", "co_surgeons"),
    ("Team Surgery (66)", "team_surgery"),
    ("Diagnostic Imaging Family", "diagnostic_imaging_family"),
    ("APC Status Indicator", "apc_status_indicator"),
    ("ASC Payment Indicator", "asc_payment_indicator"),
    ("Type of Service (TOS)", "type_of_service"),
    ("Berenson-Eggers TOS (BETOS)", "betos"),
    ("MUE", "mue"),
    ("CCS Clinical Classification", "ccs_category"),
)

BOILERPLATE = re.compile(
    r"""^(?:
        coding\ ahead | casepilot | medical\ coding\ assistant | caseconsultant
      | instant\ email\ coding\ consultant | case2code | search\ and\ code\ lookup\ tool
      | careercenter | medical\ coding\ job\ board | redactphi | hipaa-compliant\ phi\ redaction
      | detecticd10cm | icd-10-cm\ code\ detection | search\ all\ medical\ codes | cpt4?\ code
      | (?:log\ in|sign\ in|register)\b.* | .*\bfree\ account\b.* | \d+\ code\ page\ views?\ .*
      | .*©.* | .*\ball\ rights\ reserved\b.* | copyright\b.*
      | get\ instant\ expert-level\b.* | have\ a\ question\ about\b.* | ask\ about:?
      | cpt\ codes\ guidelines\ modifiers\b.* | example:\ ".* | register\ to\ view\ content
      | date | action | notes | code | description
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
MODIFIER_LINE = re.compile(r"^([0-9A-Z]{2}) (\S.{3,})$")
HISTORY_LINE = re.compile(
    r"^(\d{4}-\d{2}-\d{2}|Pre-\d{4})\s+(Added|Changed|Deleted|Revised|Reinstated)\b\s*(.*)$"
)
CODE_IN_TEXT = re.compile(r"\bCPT®?\s*(?:Code\s*)?#?\s*(\d{4}[0-9FTU])\b", re.IGNORECASE)
_CODED_VALUE = re.compile(r"^(\S+) - (.+)$")
_TITLE_PREFIX = re.compile(
    r"^(?:The\s+)?(?:procedure|service)\s+(?:described|represented|reported)\s+by\s+"
    r"CPT®?\s*Code\s+\w+\s+(?:involves|is|refers to|describes)\s+(?:the\s+|an?\s+)?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ParsedPage:
    title: str
    sections: tuple[Section, ...]
    attributes: dict[str, str]
    codes_in_text: tuple[str, ...]


@dataclass(frozen=True)
class _Line:
    text: str
    start: int
    end: int


def iter_lines(text: str) -> Iterator[_Line]:
    """Non-empty lines, stripped, with offsets into ``text``; ``text[start:end] == line``."""
    for m in re.finditer(r"[^\r\n]+", text):
        raw = m.group(0)
        stripped = raw.strip()
        if stripped:
            start = m.start() + (len(raw) - len(raw.lstrip()))
            yield _Line(stripped, start, start + len(stripped))


def heading_key(line: str) -> str:
    """``"1. Indications"`` -> ``"indications"``; ``"## Risks:"`` -> ``"risks"``."""
    key = re.sub(r"^(?:#{1,6}\s*|\d{1,2}[.)]\s*)", "", line).strip().rstrip(":").strip()
    return key.lower()


def snake(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "section"


def _attribute(line: str) -> tuple[str, str] | None:
    for label, key in ATTRIBUTE_LABELS:
        if line.startswith(label + " ") and len(line) > len(label) + 1:
            return key, line[len(label) :].strip()
    return None


def _title_from(sections: list[Section], attributes: dict[str, str], md_title: str) -> str:
    for name in ("official_descriptor", "procedure_name"):
        found = next((s.text for s in sections if s.name == name), None)
        if found:
            return " ".join(found.split())
    if attributes.get("long_descriptor"):
        return attributes["long_descriptor"]
    if md_title:
        return md_title
    for s in sections:
        first = re.split(r"(?<=[.!?])\s", s.text, maxsplit=1)[0].rstrip(".")
        first = _TITLE_PREFIX.sub("", first)
        if first:
            return first[0].upper() + first[1:]
    return ""


def parse_page(text: str, *, markdown: bool = False) -> ParsedPage:
    """Sections (offsets into ``text``), attributes and title of one page."""
    sections: list[Section] = []
    attributes: dict[str, str] = {}
    modifiers: list[str] = []
    history: list[str] = []
    current: str | None = None
    run: list[_Line] = []
    md_title = ""
    in_table = False

    def flush() -> None:
        if run:
            name = current
            if name is None:
                single = len(run) == 1 and len(run[0].text) < 250 and not run[0].text.endswith(".")
                has_desc = any(s.name == "official_descriptor" for s in sections)
                name = "official_descriptor" if single and not has_desc else "description"
            start, end = run[0].start, run[-1].end
            sections.append(Section(name, text[start:end], start, end))
            run.clear()

    for line in iter_lines(text):
        norm = " ".join(line.text.split())  # no-break spaces and runs of blanks -> one space
        key = heading_key(norm)
        is_md_heading = markdown and norm.startswith("#")
        if key in STOP_HEADINGS:
            break
        if BOILERPLATE.match(norm):
            flush()
            continue
        if key in HEADINGS or is_md_heading:
            flush()
            current = HEADINGS.get(key) or snake(key)
            if is_md_heading and norm.startswith("# ") and not md_title:
                md_title = norm[2:].strip()  # the page title: what follows is unheaded text
                current = HEADINGS.get(key)
            continue
        attr = _attribute(norm)
        if attr is not None:
            flush()
            in_table = True
            k, v = attr
            coded = _CODED_VALUE.match(v)
            if coded and k not in ("short_descriptor", "medium_descriptor", "long_descriptor"):
                attributes[k], attributes[f"{k}_description"] = coded.group(1), coded.group(2)
            else:
                attributes[k] = v
            continue
        if in_table and (hist := HISTORY_LINE.match(norm)):
            history.append(" ".join(g for g in hist.groups() if g))
            continue
        if in_table and (mod := MODIFIER_LINE.match(norm)):
            modifiers.append(mod.group(1))
            attributes[f"modifier_{mod.group(1)}"] = mod.group(2).strip()
            continue
        run.append(line)
    flush()
    if modifiers:
        attributes["modifiers"] = ", ".join(modifiers)
    if history:
        attributes["history"] = "; ".join(history)
    found = [m.group(1).upper() for m in CODE_IN_TEXT.finditer(text)]
    ordered = tuple(sorted(set(found), key=lambda c: (-found.count(c), found.index(c))))
    title = _title_from(sections, attributes, md_title)
    return ParsedPage(title, tuple(sections), attributes, ordered)
