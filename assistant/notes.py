"""Operative notes: sections, statements, negation/uncertainty/history, with offsets.

Everything here works on offsets into the note, so every piece of evidence satisfies
``note[start:end] == text``. Note text is PHI: nothing here logs it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from assistant.conventions import title_laterality

Kind = Literal["diagnosis", "procedure", "finding"]

# Heading patterns (case-insensitive, at the start of a line, colon optional) -> (name, kind)
SECTION_PATTERNS: tuple[tuple[str, str, Kind | None], ...] = (
    (r"pre-?\s*op(?:erative)?\.?\s*(?:diagnos[ie]s|dx)", "preoperative_diagnosis", "diagnosis"),
    (r"post-?\s*op(?:erative)?\.?\s*(?:diagnos[ie]s|dx)", "postoperative_diagnosis", "diagnosis"),
    (r"(?:final\s+|discharge\s+|admitting\s+)?diagnos[ie]s|dx", "diagnosis", "diagnosis"),
    (
        r"(?:name\s+of\s+)?(?:procedure\(s\)|procedures?|operations?)(?:\s+performed)?"
        r"|surgery performed",
        "procedure",
        "procedure",
    ),
    (
        r"indications?(?:\s+for\s+(?:the\s+)?(?:procedure|operation|surgery))?",
        "indications",
        "finding",
    ),
    (r"findings?|operative findings", "findings", "finding"),
    (
        r"(?:description|details)\s+of\s+(?:the\s+)?(?:procedure|operation)|"
        r"procedure\s+(?:description|details|in detail)|technique|operative (?:technique|report)",
        "description",
        None,
    ),
    (r"complications?", "complications", "finding"),
    (r"anesthesia|anesthetic", "anesthesia", None),
    (r"(?:estimated\s+)?blood\s+loss|ebl", "blood_loss", None),
    (r"specimens?|drains?|implants?|fluids?|disposition|condition", "other", None),
    (r"surgeon|assistants?|attending|date of (?:surgery|service|procedure)", "other", None),
)
_HEADING = re.compile(
    r"^[ \t]*(?:"
    + "|".join(f"(?P<h{i}>{p})" for i, (p, _, _) in enumerate(SECTION_PATTERNS))
    + r")[ \t]*(?::|-|\n|$)[ \t]*",
    re.IGNORECASE | re.MULTILINE,
)

# NegEx-style triggers. "without"/"not" are left out: code titles use them
# ("without complications", "not intractable").
NEGATION = re.compile(
    r"\b(no|denie[sd]|negative for|no evidence of|free of|absence of|ruled out|"
    r"rule[sd]? out|r/o)\b",
    re.IGNORECASE,
)
UNCERTAIN = re.compile(
    r"\b(possible|possibly|probable|probably|suspected|suspicious for|questionable|"
    r"cannot be excluded|likely|versus|vs\.?|concern for)\b",
    re.IGNORECASE,
)
HISTORY = re.compile(r"\b(history of|h/o|hx of|status post|s/p)\b", re.IGNORECASE)
# A statement of just "None." / "No complications." carries nothing to code.
EMPTY = re.compile(
    r"^\s*(?:none|n/a|no complications?|minimal|none apparent|"
    r"same(?: as (?:above|pre-?operative(?: diagnosis)?))?)\.?\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class NoteSection:
    name: str
    kind: Kind | None
    heading: Span
    body: Span


@dataclass(frozen=True)
class Statement:
    section: str
    kind: Kind
    span: Span
    status: Literal["positive", "negated", "uncertain", "history"]
    reason: str = ""


def _span(note: str, start: int, end: int) -> Span:
    while start < end and note[start].isspace():
        start += 1
    while end > start and note[end - 1].isspace():
        end -= 1
    return Span(start, end, note[start:end])


def sections(note: str) -> list[NoteSection]:
    """Sections by heading; text before the first heading is a ``preamble``."""
    matches = list(_HEADING.finditer(note))
    out: list[NoteSection] = []
    if not matches or matches[0].start() > 0:
        end = matches[0].start() if matches else len(note)
        body = _span(note, 0, end)
        if body.text:
            out.append(NoteSection("preamble", None, Span(0, 0, ""), body))
    for i, m in enumerate(matches):
        index = next(int(k[1:]) for k, v in m.groupdict().items() if v is not None)
        _, name, kind = SECTION_PATTERNS[index]
        end = matches[i + 1].start() if i + 1 < len(matches) else len(note)
        heading = _span(note, m.start(), m.end())
        out.append(NoteSection(name, kind, heading, _span(note, m.end(), end)))
    return out


_ITEM = re.compile(r"(?:^|\n)\s*(?:\d+[.)]|[-•*])\s+|;\s+|\n\s*\n|(?<=[.!?])\s+(?=[A-Z])")


def statements(note: str) -> list[Statement]:
    """Diagnosis, procedure and finding statements, with negation/uncertainty/history."""
    out: list[Statement] = []
    for sec in sections(note):
        if sec.kind is None:
            continue
        body = sec.body
        pos = body.start
        pieces: list[tuple[int, int]] = []
        for m in _ITEM.finditer(note, body.start, body.end):
            pieces.append((pos, m.start()))
            pos = m.end()
        pieces.append((pos, body.end))
        for a, b in pieces:
            span = _span(note, a, b)
            text = span.text.strip(" .,:")
            if len(text) < 3 or EMPTY.match(span.text):
                continue
            out.append(_classify(sec, span))
    return out


def _classify(sec: NoteSection, span: Span) -> Statement:
    kind: Kind = sec.kind or "finding"
    for status, pattern in (("negated", NEGATION), ("uncertain", UNCERTAIN), ("history", HISTORY)):
        m = pattern.search(span.text)
        if m:
            reason = f"{status}: '{m.group(0)}'"
            return Statement(sec.name, kind, span, status, reason)  # type: ignore[arg-type]
    return Statement(sec.name, kind, span, "positive")


def laterality(text: str) -> str | None:
    """Side named in a note statement ("both" counts as bilateral)."""
    if re.search(r"\bboth\b|\bbilaterally\b", text.lower()):
        return "bilateral"
    return title_laterality(text)
