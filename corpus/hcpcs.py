"""HCPCS Level II from the CMS release file (``HCPC2026_JAN_ANWEB.txt``, fixed width).

Layout (1-based columns, from the CMS record layout): HCPC 1-5, sequence 6-10,
record id 11 (3/4 = procedure first/continuation line, 7/8 = modifier), long
description 12-91, short description 92-119, coverage code 230, BETOS 257-259,
type of service 261-265, date added 272-279, action effective 280-287,
termination 288-295, action code 296. A long description runs over continuation
lines. The CSV export of the same file (header ``HCPC,SEQNUM,RECID,LONG
DESCRIPTION,SHORT DESCRIPTION,...``) is accepted too.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from corpus.codes import HCPCS_CODE
from corpus.errors import SourceFormatError, SourceNotFoundError
from corpus.records import CodeRecord, Parent, Source
from corpus.render import render_entry

_FIELDS: dict[str, tuple[int, int]] = {  # 0-based [start, end)
    "coverage_code": (229, 230),
    "betos": (256, 259),
    "type_of_service": (260, 265),
    "added": (271, 279),
    "action_effective": (279, 287),
    "terminated": (287, 295),
    "action_code": (295, 296),
}
_CSV_FIELDS = {
    "coverage_code": "COV",
    "betos": "BETOS",
    "type_of_service": "TOS1",
    "added": "ADD_DT",
    "action_effective": "ACT_EFF_DT",
    "terminated": "TERM_DT",
    "action_code": "ACTION_CD",
}
_MODIFIER = re.compile(r"^[0-9A-Z]{2}$")

CATEGORIES: dict[str, str] = {
    "A": "Transportation, medical and surgical supplies, miscellaneous and experimental",
    "B": "Enteral and parenteral therapy",
    "C": "Outpatient prospective payment system",
    "E": "Durable medical equipment",
    "G": "Procedures and professional services (temporary)",
    "H": "Alcohol and drug abuse treatment services",
    "J": "Drugs administered other than oral method, chemotherapy drugs",
    "K": "Temporary codes for durable medical equipment",
    "L": "Orthotic and prosthetic procedures and devices",
    "M": "Medical services",
    "P": "Pathology and laboratory services",
    "Q": "Temporary codes",
    "R": "Diagnostic radiology services",
    "S": "Temporary national codes (non-Medicare)",
    "T": "National codes established for state Medicaid agencies",
    "U": "Coronavirus diagnostic panel",
    "V": "Vision, hearing and speech-language pathology services",
}


@dataclass
class _Entry:
    code: str
    long: list[str] = field(default_factory=list)
    short: str = ""
    attrs: dict[str, str] = field(default_factory=dict)


def _fixed_width(lines: list[str]) -> Iterator[tuple[str, str, str, str, dict[str, str]]]:
    for line in lines:
        if not line.strip():
            continue
        code, recid = line[0:5].strip(), line[10:11]
        if not recid.isdigit():
            raise SourceFormatError(f"not an HCPCS record line: {line[:40]!r}")
        attrs = {k: line[a:b].strip() for k, (a, b) in _FIELDS.items()}
        yield code, recid, line[11:91].strip(), line[91:119].strip(), attrs


def _csv_rows(lines: list[str]) -> Iterator[tuple[str, str, str, str, dict[str, str]]]:
    for row in csv.DictReader(lines):
        attrs = {k: (row.get(col) or "").strip() for k, col in _CSV_FIELDS.items()}
        yield (
            (row.get("HCPC") or "").strip(),
            (row.get("RECID") or "").strip(),
            (row.get("LONG DESCRIPTION") or "").strip(),
            (row.get("SHORT DESCRIPTION") or "").strip(),
            attrs,
        )


def parse_hcpcs(path: Path) -> Iterator[CodeRecord]:
    """Yield one record per HCPCS Level II code (modifiers are skipped)."""
    if not path.is_file():
        raise SourceNotFoundError(f"HCPCS file not found: {path}")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")  # CMS files are often Windows-1252
    lines = text.splitlines()
    rows = _csv_rows(lines) if lines and lines[0].startswith("HCPC") else _fixed_width(lines)
    year = re.search(r"20\d\d", path.name)
    source = Source("file", str(path), year.group(0) if year else path.name)
    entries: dict[str, _Entry] = {}
    for code, recid, long, short, attrs in rows:
        if recid in ("7", "8") or _MODIFIER.match(code):
            continue
        if not HCPCS_CODE.match(code):
            raise SourceFormatError(f"{path}: {code!r} is not an HCPCS Level II code")
        entry = entries.setdefault(code, _Entry(code))
        entry.long.append(long)
        if recid == "3" or not entry.short:
            entry.short = entry.short or short
            entry.attrs.update({k: v for k, v in attrs.items() if v})
    if not entries:
        raise SourceFormatError(f"{path}: no HCPCS codes found")
    for entry in entries.values():
        title = " ".join(" ".join(entry.long).split())
        text_, sections = render_entry(
            title, [("short_descriptor", "Short descriptor", [entry.short])]
        )
        attrs = {"short_descriptor": entry.short, **entry.attrs}
        yield CodeRecord(
            system="HCPCS",
            code=entry.code,
            title=title,
            billable=not entry.attrs.get("terminated"),
            source=source,
            source_text=text_,
            parents=(Parent(entry.code[0], CATEGORIES.get(entry.code[0], ""), "category"),),
            sections=sections,
            attributes=attrs,
        )
