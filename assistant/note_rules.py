"""How a coder settles the codes found in one note: one code per finding, no Excludes1
pair, a combination code for a whole diagnosis line before the codes of its parts, and the
companions that "use additional code" notes ask for."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from assistant.conventions import content_stems, residual
from assistant.expansion import Expansion
from assistant.note_sides import sides_of_one
from assistant.note_types import Alternative, Draft
from assistant.weights import NOTE_WEIGHTS
from index.lexical import tokenize

if TYPE_CHECKING:
    from assistant.results import CodeResult
    from assistant.search import Retriever
    from corpus.links import CodeRef

# the rationale of a code found for one part of a diagnosis line ("X with Y": X, Y)
PART_RATIONALE = "condition named in the line"
# the default code of a category: it gives way to any specific sibling the note supports
_UNSPECIFIED = re.compile(r"\b(?:unspecified|NOS|without complications?)\b", re.IGNORECASE)


# what a procedure title says of how, not of what: a code page whose title shares only
# these words with the statement ("implantation") is about another procedure
_HOW_WORDS = frozenset(
    tokenize(
        "percutaneous open implantation implant implanted insertion insert inserted placement "
        "place placed removal remove removed revision revise replacement replace repair "
        "excision incision procedure device approach endoscopic laparoscopic single multiple "
        "initial subsequent each additional including include separate performed perform if "
        "image imaging guidance guided unilateral bilateral right left complete partial"
    )
)


def grounded(statement: str, expansions: Iterable[Expansion], title: str) -> bool:
    """The statement (with the meanings its search read into it, ``expansions``) names
    what the code's title is about, not only how it is done (a CPT page found for another
    procedure's verb)."""
    subject = frozenset(tokenize(title)) - _HOW_WORDS
    if not subject:
        return True
    said = frozenset(tokenize(" ".join([statement, *(e.means for e in expansions)])))
    return bool(subject & said)


# chapters whose titles name a condition in the words a statement uses (not the status,
# history, encounter and external-cause chapters, whose titles say "personal history of")
_CONDITION_CHAPTERS = tuple("ABCDEFGHIJKLMNOPQRST")
_NAME_FRAME = frozenset(tokenize("other specified unspecified classified elsewhere nos nec"))


def words_said(
    retriever: Retriever, statement: str, expansions: Iterable[Expansion], code: str
) -> float:
    """The largest share of the words of one name of an ICD-10-CM condition code (its
    title, inclusion terms, and those of its categories: "Coronary disease" for I25.10)
    that the statement (with the meanings its search read into it) says. 1.0 for codes
    outside the condition chapters."""
    if not code.startswith(_CONDITION_CHAPTERS):
        return 1.0
    row = retriever.record_row("ICD-10-CM", code)
    if row is None:
        return 1.0
    records = retriever.index.records
    names = [
        *records.terms(row),
        *(n for a in retriever.tree.ancestors(row) for n in records.terms(a)),
    ]
    said = frozenset(tokenize(" ".join([statement, *(e.means for e in expansions)])))
    best = 0.0
    for name in names:
        words = content_stems(name) - _NAME_FRAME
        if words:
            best = max(best, len(words & said) / len(words))
    return best


def specific_of_line(
    drafts: list[Draft],
    below: dict[tuple[int, str], list[CodeResult]],
    alternatives: list[Alternative],
) -> tuple[list[Draft], list[Alternative]]:
    """An unspecified code found for one part of a line ("Invasive ductal carcinoma":
    C50.919) gives way to the specific code of the same category that the whole line
    found, though below its threshold ("..., left breast, 2:00 position": C50.412): the
    part confirms the category, the line names what the part leaves open."""
    out: list[Draft] = []
    used: set[str] = set()
    for d in drafts:
        r = d.result
        if (
            r.system != "ICD-10-CM"
            or d.rationale != PART_RATIONALE
            or not _UNSPECIFIED.search(r.title)
        ):
            out.append(d)
            continue
        line = next(
            (
                c
                for e in d.evidence
                for c in below.get((e.start, r.system), [])
                if c.code[:3] == r.code[:3]
                and not _UNSPECIFIED.search(c.title)
                and not residual(c.title)
            ),
            None,
        )
        if line is None:
            out.append(d)
            continue
        used.add(line.code)
        why = f"the whole line names what the part leaves open: {line.code}"
        alternatives.append(
            Alternative(r.code, r.system, r.title, d.confidence, why, tuple(d.evidence))
        )
        out.append(Draft(line, line.confidence, LINE_RATIONALE, list(d.evidence)))
    kept_alternatives = [
        a for a in alternatives if not (a.code in used and a.why.startswith("confidence"))
    ]
    return out, kept_alternatives


LINE_RATIONALE = "diagnosis stated (its category confirmed by a part of the line)"


def reconcile(retriever: Retriever, drafts: list[Draft]) -> tuple[list[Draft], list[Alternative]]:
    """The drafts a coder keeps and the ones given up, with why."""
    dropped: list[Alternative] = []
    kept: list[Draft] = []

    def give_up(d: Draft, why: str) -> None:
        r = d.result
        dropped.append(Alternative(r.code, r.system, r.title, d.confidence, why, tuple(d.evidence)))

    # codes of whole statements first (a combination code covers its parts: guideline
    # I.B.9), then by confidence
    for d in sorted(drafts, key=lambda d: (d.rationale == PART_RATIONALE, -d.confidence)):
        rival = next((k for k in kept if _same_finding(k, d)), None)
        if rival is not None:
            rival.evidence.extend(e for e in d.evidence if e not in rival.evidence)
            give_up(d, f"the same finding is coded more specifically by {rival.result.code}")
            continue
        clash = next((k for k in kept if _excludes1(retriever, k, d)), None)
        if clash is not None:
            give_up(d, f"Excludes1 with {clash.result.code}: the two are not coded together")
            continue
        kept.append(d)
    # an unspecified code gives way to a specific sibling of the same category
    for d in list(kept):
        if d.result.system == "ICD-10-CM" and _UNSPECIFIED.search(d.result.title):
            specific = next(
                (
                    k
                    for k in kept
                    if k is not d
                    and k.result.system == "ICD-10-CM"
                    and k.result.code[:3] == d.result.code[:3]
                    and not _UNSPECIFIED.search(k.result.title)
                    and not residual(k.result.title)  # "Other ..." is no more specific
                ),
                None,
            )
            if specific is not None:
                kept.remove(d)
                give_up(d, f"a specific code of the same category is coded: {specific.result.code}")
    # ICD-10-PCS guideline B3.11a: an inspection done to achieve another procedure on the
    # same body system is not coded separately
    for d in list(kept):
        if _inspection(d.result.code) and d.result.system == "ICD-10-PCS":
            other = next(
                (
                    k
                    for k in kept
                    if k.result.system == "ICD-10-PCS"
                    and k.result.code[:2] == d.result.code[:2]
                    and not _inspection(k.result.code)
                ),
                None,
            )
            if other is not None:
                kept.remove(d)
                give_up(d, f"an inspection is part of {other.result.code} (guideline B3.11a)")
    # the companions first: a stage of kidney disease that a diabetic kidney disease
    # code asks for is a kidney disease the hypertension is presumed linked with
    kept.extend(companions(retriever, kept, drafts))
    for d, code, why in presumed_links(kept):
        have = next((k for k in kept if k.result.code == code), None)
        if have is not None:  # one combination code for all of them
            have.evidence.extend(e for e in d.evidence if e not in have.evidence)
            kept.remove(d)
            give_up(d, f"combined into {code}: {why}")
            continue
        combined = _exact(retriever, code)
        if combined is None:
            continue
        kept[kept.index(d)] = replace(d, result=combined, rationale=why)
        give_up(d, f"combined into {code}: {why}")
    kept.extend(companions(retriever, kept, drafts))
    return kept, dropped


def presumed_links(kept: list[Draft]) -> list[tuple[Draft, str, str]]:
    """The kept codes to be replaced by a combination code the conventions presume without
    the provider stating the link ("with", guideline I.A.15): hypertension with chronic
    kidney disease and/or heart failure (I.C.9.a), diabetes with chronic kidney disease.
    (draft, combination code, why); every hypertension code of the note gives way to the
    one combination that the note's kidney and heart conditions call for."""
    codes = [d.result.code for d in kept if d.result.system == "ICD-10-CM"]
    # a diabetic chronic kidney disease code (E11.22) names a chronic kidney disease
    ckd = any(c.startswith(("N18", "I12", "I13")) or _DIABETIC_CKD.match(c) for c in codes)
    esrd = any(c.startswith(("N18.5", "N18.6", "I12.0", "I13.11", "I13.2")) for c in codes)
    hf = any(c.startswith(("I50", "I11.0", "I13.0", "I13.2")) for c in codes)
    heart = hf or any(c.startswith(("I11", "I13")) for c in codes)
    if ckd and hf:
        target = "I13.2" if esrd else "I13.0"
    elif ckd and heart:
        target = "I13.11" if esrd else "I13.10"
    elif ckd:
        target = "I12.0" if esrd else "I12.9"
    elif hf:
        target = "I11.0"
    else:
        target = ""
    why = "hypertension with kidney or heart disease is presumed linked (guideline I.C.9.a)"
    out = []
    for d in kept:
        code = d.result.code
        if d.result.system != "ICD-10-CM":
            continue
        if target and code.startswith(_HYPERTENSIVE) and code != target:
            out.append((d, target, why))
        elif code in ("E11.9", "E10.9") and ckd:
            why_dm = "diabetes with chronic kidney disease is presumed linked (I.A.15, 'with')"
            out.append((d, code[:3] + ".22", why_dm))
    return out


_HYPERTENSIVE = ("I10", "I11", "I12", "I13")
_DIABETIC_CKD = re.compile(r"E(?:0[89]|1[013])\.22$")


def _exact(retriever: Retriever, code: str) -> CodeResult | None:
    """The search result of a code looked up by its number."""
    response, _ = retriever.search_with_signals(code, "ICD-10-CM", 1)
    found = [r for r in response.results if r.code == code]
    return found[0] if found else None


def _inspection(code: str) -> bool:
    """A Medical and Surgical code whose root operation is Inspection (J)."""
    return len(code) == 7 and code[0] == "0" and code[2] == "J"


def _same_finding(a: Draft, b: Draft) -> bool:
    """Two codes for one thing: PCS codes that differ only in approach, or CM codes of one
    statement's evidence in the same category."""
    ra, rb = a.result, b.result
    if ra.system != rb.system:
        return False
    if ra.system == "ICD-10-PCS":
        return ra.code[:4] == rb.code[:4] and ra.code[5:] == rb.code[5:]
    shared = {(e.start, e.end) for e in a.evidence} & {(e.start, e.end) for e in b.evidence}
    if ra.code.startswith(_LISTS) and (ra.code[:5] != rb.code[:5] or ra.code[:3] == "Z79"):
        # a category that lists things apart (long-term drugs, histories, statuses):
        # insulin (Z79.4) and aspirin (Z79.82) of one medication line are two findings
        return False
    return bool(shared) and ra.code[:3] == rb.code[:3] and not sides_of_one(ra.title, rb.title)


# categories whose subcategories are different things, not degrees of one: long-term drug
# therapy (Z79, each code a drug class apart), family and personal histories (Z80-Z87),
# allergy and other statuses (Z88-Z99)
_LISTS = ("Z79", "Z8", "Z9")


def _row(retriever: Retriever, d: Draft) -> int | None:
    return retriever.record_row(d.result.system, d.result.code)


def _excludes1(retriever: Retriever, a: Draft, b: Draft) -> bool:
    if a.result.system != "ICD-10-CM" or b.result.system != "ICD-10-CM":
        return False
    ra, rb = _row(retriever, a), _row(retriever, b)
    if ra is None or rb is None:
        return False
    refs_a = retriever.ranking.excludes1_refs(ra)
    refs_b = retriever.ranking.excludes1_refs(rb)
    return any(x.covers(b.result.code) for x in refs_a) or any(
        x.covers(a.result.code) for x in refs_b
    )


def use_additional(retriever: Retriever, d: Draft) -> list[CodeRef]:
    """The codes the "use additional code" notes of an ICD-10-CM draft (and of its
    categories) ask for."""
    row = _row(retriever, d)
    if d.result.system != "ICD-10-CM" or row is None:
        return []
    records = retriever.index.records
    return [
        ref
        for r in (row, *retriever.tree.ancestors(row))
        for ref in records.links(r).get("use_additional_code", ())
    ]


def companions(retriever: Retriever, kept: list[Draft], drafts: list[Draft]) -> list[Draft]:
    """Codes that a kept code's "use additional code" (or its categories') notes name and
    that the note supports: one of its statements found them among its best codes."""
    have = {d.result.code for d in kept}
    out: list[Draft] = []
    for d in kept:
        refs = use_additional(retriever, d)
        if not refs:
            continue
        for other in drafts:
            for candidate in [other.result, *other.others]:
                code = candidate.code
                if code in have or candidate.confidence < NOTE_WEIGHTS.companion_threshold:
                    continue
                if any(h[:3] == code[:3] for h in have):  # its category is coded already
                    continue
                if candidate.system == "ICD-10-CM" and any(ref.covers(code) for ref in refs):
                    have.add(code)
                    rationale = f"use additional code: a note of {d.result.code} asks for it"
                    out.append(
                        Draft(candidate, candidate.confidence, rationale, list(other.evidence))
                    )
    return out


# a code of a condition in pregnancy, which a delivery record codes in childbirth
PREGNANCY_PHASE = re.compile(r"\b(?:in|complicating) pregnancy\b", re.IGNORECASE)
_SIBLING_SEARCH = 20  # results searched for a code's sibling


def in_childbirth(retriever: Retriever, text: str, top: CodeResult) -> CodeResult:
    """The "in childbirth" sibling of an "in pregnancy" code, where the category has one
    (O24.41- -> O24.42-, O99.82- ...): a condition of a delivery admission complicates
    childbirth. The sibling keeps the confidence of the code it stands for."""
    response = retriever.search(f"{text} in childbirth", top.system, k=_SIBLING_SEARCH)
    sibling = next(
        (
            r
            for r in response.results
            if r.code[:3] == top.code[:3] and "childbirth" in r.title.lower() and r.billable
        ),
        None,
    )
    if sibling is None:
        return top
    return replace(sibling, confidence=max(sibling.confidence, top.confidence))
