"""ICD-10-CM from the official tabular XML (CDC/CMS ``icd10cm-tabular-*.xml``).

Every code of the release becomes a record: chapters, blocks and categories as
parents; billable leaves; and the 7th-character extensions the XML only defines
through ``sevenChrDef`` (``S72.001`` + ``A`` -> ``S72.001A``), which are generated.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping, Set
from dataclasses import dataclass
from pathlib import Path

from corpus.errors import SourceFormatError, SourceNotFoundError
from corpus.records import CodeRecord, Parent, Source
from corpus.render import render_entry

logger = logging.getLogger(__name__)

# (XML tag, section name, rendered label), in rendering order. Inclusion terms come
# right after the title so that the positive text of an entry is one contiguous span.
NOTE_SECTIONS: tuple[tuple[str, str, str], ...] = (
    ("inclusionTerm", "inclusion_terms", "Inclusion terms"),
    ("includes", "includes", "Includes"),
    ("notes", "notes", "Notes"),
    ("excludes1", "excludes1", "Excludes1"),
    ("excludes2", "excludes2", "Excludes2"),
    ("codeFirst", "code_first", "Code first"),
    ("useAdditionalCode", "use_additional_code", "Use additional code"),
    ("codeAlso", "code_also", "Code also"),
)


def default_xml_path() -> Path:
    """The tabular XML shipped inside the ``simple-icd-10-cm`` package."""
    import simple_icd_10_cm

    data = Path(simple_icd_10_cm.__file__).parent / "data"
    found = sorted(data.glob("icd10c*-tabular-*.xml"))
    if not found:
        raise SourceNotFoundError(f"no ICD-10-CM tabular XML found in {data}")
    return found[-1]


def _code_list_beside(xml_path: Path) -> frozenset[str] | None:
    """Codes (no dots) from a code list next to the XML, e.g. ``code-list-April-2026.txt``.

    The XML defines 7th characters per category, but a few combinations do not exist
    (``S06.1X7`` takes only ``A``); the code list is the authority on which do.
    """
    lists = sorted(xml_path.parent.glob("code-list-*.txt")) or sorted(
        xml_path.parent.glob("icd10cm-codes-*.txt")
    )
    if not lists:
        return None
    lines = lists[-1].read_text(encoding="utf-8").splitlines()
    return frozenset(line.split()[0].replace(".", "") for line in lines if line.strip())


def _allowed_extension(code: str, char: str, known: frozenset[str] | None) -> bool:
    ext = _extend(code, char).replace(".", "")
    if known is not None:
        return ext in known
    # Without a code list: deaths before regaining consciousness (S06.xx7/8) take A only.
    return not (code.startswith("S06.") and code[-1] in "78" and char != "A")


@dataclass(frozen=True)
class _Context:
    parents: tuple[Parent, ...]
    seventh: Mapping[str, str]  # 7th character -> meaning, from the nearest sevenChrDef
    seventh_note: str


def _notes(elem: ET.Element, tag: str) -> list[str]:
    return [(n.text or "").strip() for c in elem.findall(tag) for n in c.findall("note")]


def _seventh_chars(diag: ET.Element) -> tuple[dict[str, str], str] | None:
    definition = diag.find("sevenChrDef")
    if definition is None:
        return None
    chars = {e.get("char", ""): (e.text or "").strip() for e in definition.findall("extension")}
    note = " ".join(_notes(diag, "sevenChrNote"))
    return chars, note


def _extend(code: str, char: str) -> str:
    compact = code.replace(".", "").ljust(6, "X") + char
    return f"{compact[:3]}.{compact[3:]}"


def parse_tabular(
    path: Path | None = None,
    *,
    exclude_terms: Mapping[str, Set[str]] | None = None,
) -> Iterator[CodeRecord]:
    """Yield one record per code in the tabular XML at ``path`` (default: the packaged one).

    ``exclude_terms`` maps codes to inclusion terms left out of the records, so that
    an evaluation set can hold them out of the indexed text.
    """
    xml_path = path or default_xml_path()
    if not xml_path.is_file():
        raise SourceNotFoundError(f"ICD-10-CM tabular XML not found: {xml_path}")
    try:
        root = ET.parse(xml_path).getroot()
    except ET.ParseError as exc:
        raise SourceFormatError(f"{xml_path}: malformed XML ({exc})") from exc
    if root.tag != "ICD10CM.tabular":
        raise SourceFormatError(f"{xml_path}: not an ICD-10-CM tabular file (root <{root.tag}>)")
    version = f"FY{(root.findtext('version') or '?').strip()} ({xml_path.name})"
    source = Source("package" if path is None else "file", str(xml_path), version)
    held_out = exclude_terms or {}
    known = _code_list_beside(xml_path)

    def record(diag: ET.Element, ctx: _Context) -> Iterator[CodeRecord]:
        code = (diag.findtext("name") or "").strip()
        title = " ".join((diag.findtext("desc") or "").split())
        seventh = _seventh_chars(diag)
        if seventh is not None:
            ctx = _Context(ctx.parents, seventh[0], seventh[1] or ctx.seventh_note)
        children = diag.findall("diag")
        groups = []
        for tag, name, label in NOTE_SECTIONS:
            notes = _notes(diag, tag)
            if name == "inclusion_terms" and code in held_out:
                notes = [n for n in notes if n not in held_out[code]]
            groups.append((name, label, notes))
        is_leaf = not children
        billable = is_leaf and not ctx.seventh
        kind = "category" if len(code) == 3 else "subcategory" if not is_leaf else "code"
        text, sections = render_entry(title, groups)
        yield CodeRecord(
            system="ICD-10-CM",
            code=code,
            title=title,
            billable=billable,
            source=source,
            source_text=text,
            parents=ctx.parents,
            sections=sections,
            attributes={"level": kind},
        )
        if is_leaf and ctx.seventh:
            for char, meaning in ctx.seventh.items():
                if not _allowed_extension(code, char, known):
                    continue
                ext_title = f"{title}, {meaning}"
                ext_groups = [
                    *groups,
                    (
                        "seventh_character",
                        "7th character",
                        [f"{char}: {meaning}", ctx.seventh_note],
                    ),
                ]
                ext_text, ext_sections = render_entry(ext_title, ext_groups)
                yield CodeRecord(
                    system="ICD-10-CM",
                    code=_extend(code, char),
                    title=ext_title,
                    billable=True,
                    source=source,
                    source_text=ext_text,
                    parents=(*ctx.parents, Parent(code, title, kind)),
                    sections=ext_sections,
                    attributes={"level": "code", "seventh_character": f"{char} - {meaning}"},
                )
        child_ctx = _Context(
            (*ctx.parents, Parent(code, title, kind)), ctx.seventh, ctx.seventh_note
        )
        for child in children:
            yield from record(child, child_ctx)

    for chapter in root.iter("chapter"):
        ch = Parent(
            (chapter.findtext("name") or "").strip(),
            " ".join((chapter.findtext("desc") or "").split()),
            "chapter",
        )
        for block in chapter.findall("section"):
            blk = Parent(
                block.get("id", ""), " ".join((block.findtext("desc") or "").split()), "block"
            )
            for diag in block.findall("diag"):
                yield from record(diag, _Context((ch, blk), {}, ""))
