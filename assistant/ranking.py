"""Stage "conventions" over one query's candidates: per code its best passage's score,
then the coding conventions of ``assistant.conventions`` applied in order (title fit and
specificity, billable resolution, default child, Excludes1), best first."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np

from assistant.candidates import Fused, PerRecord
from assistant.conventions import (
    QueryFacts,
    content_stems,
    excludes1_pairs,
    gate_shift,
    name_stems,
    query_facts,
    query_within,
    resolve_billable,
    side_open,
    specificity_shift,
    symptom_shift,
    term_exact,
    title_encounter,
    title_fit,
    title_info,
)
from assistant.hierarchy import CodeTree
from assistant.knowledge.qualifiers import Group, agreement
from assistant.pcs.builder import Builder
from assistant.pcs.reading import read, vocabulary
from assistant.query import QueryAnalysis
from assistant.weights import Weights
from corpus.links import CodeRef, code_refs
from index.lexical import tokenize
from index.search_index import SearchIndex

_UNSPECIFIED = re.compile(r"\bunspecified\b", re.IGNORECASE)

# an Excludes1 line that sends a combination to another code: "that with hydronephrosis
# (N13.2)", "with acute exacerbation (J44.1)"
_WITH_NOTE = re.compile(r"\bwith (?P<what>[^()]+?)\s*\((?P<ref>[A-Z][0-9][^()]*)\)")
# ... whose head is the code itself ("that with ...", "those with ...", "with ...")
_THIS = re.compile(r"\s*(?:that|those|when|if)?\s*with\b", re.IGNORECASE)


# one condition of a "Code first" note: "hypertensive chronic kidney disease (I12.-, I13.-)"
_FIRST_ITEM = re.compile(r"(?P<what>[^():\n]+?)\s*\((?P<ref>[A-Z][0-9][^()]*)\)")
_PARENTHESES = re.compile(r"\([^()]*\)")


def combination_first(line: str, owner_title: str, said: frozenset[str]) -> tuple[CodeRef, ...]:
    """The codes a "Code first" line names when they are a combination of the note's own
    condition with another that the query names too (``said``: its stems): the line's
    condition holds every word of the owner's title and more ("Chronic kidney disease
    (CKD)" - code first: "hypertensive chronic kidney disease (I12.-, I13.-)"). An
    etiology that is not a combination ("underlying chronic kidney disease" of an anemia)
    names nothing: the code searched for stays first."""
    m = _FIRST_ITEM.search(line)
    if m is None:
        return ()
    what = content_stems(m.group("what"))
    owner = content_stems(_PARENTHESES.sub(" ", owner_title))
    if not owner or not owner < what or not what <= said:
        return ()
    return code_refs(f"({m.group('ref')})")


def _promote(
    out: dict[int, float],
    better: int,
    row: int,
    bonus: float,
    why: str,
    per_record: PerRecord,
    notes: dict[int, list[str]],
) -> None:
    """``better`` is the code a convention says ``row`` stands for: unless it already
    ranks above, it takes ``row``'s score plus ``bonus`` and its passages, with a note."""
    if out.get(better, -1.0) > out[row]:
        return
    out[better] = out[row] + bonus
    per_record.merge(better, row)
    notes[better].append(why)


def with_redirect(line: str, said: frozenset[str]) -> tuple[CodeRef, ...]:
    """The codes an Excludes1 line sends a combination to, when the query says (``said``:
    its stems) what the line names: all of it, or for a line about the code itself ("that
    with hydronephrosis") what follows "with"."""
    m = _WITH_NOTE.search(line)
    if m is None or not (words := content_stems(m.group("what"))):
        return ()
    if not _THIS.match(line):  # "pre-existing hypertension with pre-eclampsia": all of it
        words |= content_stems(line[: m.start()])
    return code_refs(f"({m.group('ref')})") if words <= said else ()


@dataclass
class Ranked:
    """Candidate codes with adjusted scores, best first, with the notes that explain the
    adjustments and what the convention stage read from the query."""

    rows: list[int]
    scores: dict[int, float]
    per_record: PerRecord
    notes: dict[int, list[str]]
    facts: QueryFacts


class Conventions:
    def __init__(
        self, index: SearchIndex, tree: CodeTree, groups: tuple[Group, ...], weights: Weights
    ) -> None:
        self.index = index
        self.records = index.records
        self.tree = tree
        self.groups = groups
        self.w = weights
        self.builder = Builder(index.pcs, weights) if index.pcs is not None else None
        self._note_text: dict[tuple[int, str], tuple[str, ...]] = {}
        self._titles_below: dict[int, frozenset[str]] = {}

    def rank(
        self,
        fused: Fused,
        analysis: QueryAnalysis,
        text: str,
        *,
        use_qualifiers: bool = True,
        resolve: bool = True,
    ) -> Ranked:
        w = self.w
        per_record = PerRecord(fused, self.index.chunks.record_row)
        # Only the leading candidates can still reach the top k after the adjustments
        # (which move a score by at most about 0.5): the rest are dropped to stay fast.
        top = np.argsort(-per_record.best, kind="stable")[: w.rerank_candidates]
        scored = dict(
            zip(per_record.rows[top].tolist(), per_record.best[top].tolist(), strict=True)
        )
        notes: dict[int, list[str]] = defaultdict(list)
        facts = query_facts(analysis, self.groups)
        use = facts if use_qualifiers else None
        if use_qualifiers:
            # the stems of the searched text (``analysis.terms`` are those of ``expanded``)
            terms = analysis.terms if text == analysis.expanded else frozenset(tokenize(text))
            records = self.records
            # a code indexed under the query as written (a rewording counts for nothing
            # then, even of a query that is one lexicon term)
            written = replace(facts, reworded_whole=False)
            if any(
                records.systems[r] == "ICD-10-CM" and term_exact(written, records.terms(r)) == 2
                for r in scored
            ):
                facts = replace(facts, written_indexed=True)
                use = facts
            pcs = {r: s for r, s in scored.items() if self.records.systems[r] == "ICD-10-PCS"}
            for row in scored:
                if not (self.builder and row in pcs):
                    scored[row] += self.fit(row, analysis, terms, facts)
            if self.builder and pcs:
                scored.update(self.build_pcs(pcs, analysis, facts, per_record))
        if resolve:
            scored = self.resolve(scored, analysis, fused.lexical, notes, per_record, use)
        if use_qualifiers and resolve:
            scored = self.defaults(scored, facts, notes, per_record)
            scored = self.said_more(scored, facts, notes)
            scored = self.sided(scored, facts, notes, per_record)
            scored = self.excluded_with(scored, facts, notes, per_record)
            scored = self.code_first(scored, facts, notes, per_record)
        rows = self._order(scored)
        if use_qualifiers:
            rows = self.excludes1(rows, scored, notes)
        return Ranked(rows, scored, per_record, notes, facts)

    def build_pcs(
        self,
        pcs: dict[int, float],
        analysis: QueryAnalysis,
        facts: QueryFacts,
        per_record: PerRecord,
    ) -> dict[int, float]:
        """PCS candidates and every valid code of their leading tables, scored by their
        axes (``assistant.pcs``); a code built without being retrieved is credited with
        the passages of its table's best retrieved code."""
        assert self.builder is not None
        records, tree = self.records, self.tree
        reading = read(analysis, vocabulary(self.builder.tables), facts)
        by_code = {records.codes[r]: s for r, s in pcs.items()}

        def codes_of(table: str) -> list[str]:
            return [records.codes[r] for r in tree.descendants("ICD-10-PCS", table)]

        best_of_table: dict[str, int] = {}
        for row in sorted(pcs, key=lambda r: -pcs[r]):
            best_of_table.setdefault(records.codes[row][:3], row)
        out = {}
        for code, score in self.builder.expand(by_code, reading, codes_of).items():
            found = tree.row("ICD-10-PCS", code)
            if found is None:
                continue
            row = found
            out[row] = score
            if row not in pcs and code[:3] in best_of_table:
                per_record.merge(row, best_of_table[code[:3]])
        return out

    def _order(self, scored: dict[int, float]) -> list[int]:
        codes = self.records.codes
        return sorted(scored, key=lambda r: (-scored[r], codes[r]))

    def fit(
        self, row: int, analysis: QueryAnalysis, terms: frozenset[str], facts: QueryFacts | None
    ) -> float:
        """All title-based convention shifts of one code (CPT pages: side and approach only)."""
        records = self.records
        code_set = records.systems[row] != "CPT"
        names = records.terms(row) if code_set else ()
        shift = title_fit(analysis, terms, records.titles[row], code_set, self.w, names)
        if code_set and facts is not None:
            shift += specificity_shift(facts, self.groups, records.titles[row], names, self.w)
            if records.systems[row] == "ICD-10-CM":
                shift += symptom_shift(records.codes[row], facts, self.w, records.titles[row])
                shift += gate_shift(records.codes[row], facts, self.w, records.titles[row])
        return shift

    def resolve(
        self,
        scored: dict[int, float],
        analysis: QueryAnalysis,
        lexical_scores: np.ndarray | None,
        notes: dict[int, list[str]],
        per_record: PerRecord,
        facts: QueryFacts | None = None,
    ) -> dict[int, float]:
        """Replace a non-billable code by its best billable descendant, saying so."""
        records = self.records
        w = self.w

        def child_fit(c: int) -> tuple[float, int, str]:
            lex = 0.0
            if lexical_scores is not None:
                chunk_ids = self.index.record_chunks[c]
                lex = float(lexical_scores[chunk_ids].max()) if len(chunk_ids) else 0.0
            fit = self.fit(c, analysis, analysis.terms, facts)
            return (fit + w.child_lexical_tiebreak * lex, -len(records.codes[c]), records.codes[c])

        out, resolutions = resolve_billable(
            scored,
            lambda r: bool(records.billable[r]),
            lambda r: self._children(r, scored),
            child_fit,
            lambda r: (records.systems[r], records.codes[r], records.titles[r]),
            w,
        )
        for res in resolutions:
            per_record.merge(res.child, res.parent)
            notes[res.child].append(res.note)
        return out

    def _children(self, row: int, scored: dict[int, float]) -> list[int]:
        """The descendants a header may resolve to: all of them, or for a large family
        (a category of thousands of injury codes) those retrieval found, their own
        descendants, and the family's default child."""
        records = self.records
        kids = self.tree.descendants(records.systems[row], records.codes[row])
        if len(kids) <= self.w.resolve_max_children:
            return kids
        found = [r for r in kids if r in scored]
        near = [
            d for r in found for d in self.tree.descendants(records.systems[r], records.codes[r])
        ]
        default = self.tree.default_child(row)
        return list(dict.fromkeys([*found, *near, *([default] if default is not None else [])]))

    def defaults(
        self,
        scored: dict[int, float],
        facts: QueryFacts,
        notes: dict[int, list[str]],
        per_record: PerRecord,
    ) -> dict[int, float]:
        """When the query names nothing more than a category's default (unspecified)
        child says, that child is the code: it takes the best score found in the category
        plus a bonus, with a note."""
        records = self.records
        out = dict(scored)
        boosted: set[int] = set()
        for n, row in enumerate(self._order(scored)[: self.w.default_candidates]):
            # the most general level first: "type 2 diabetes" is E11's default (E11.9),
            # not that of E11.6 (E11.65), though it says nothing E11.65 does not
            for parent in reversed([row, *self.tree.ancestors(row)]):
                child = self.tree.default_child(parent)
                if child is None or not (
                    query_within(facts, records.terms(child))
                    # a query that says more than the category: only in the leading one
                    or (n < self.w.default_leading and self._undistinguished(parent, facts))
                ):
                    continue
                child = self._of_encounter(parent, child, facts)
                if facts.side and side_open(records.titles[child]):
                    continue  # "both eyes": not the "unspecified eye" default
                if agreement(self.groups, facts.qualifiers, records.titles[child].lower()).conflict:
                    continue  # "CLL in remission" is not the default "not ... in remission"
                if child in boosted:
                    break
                boosted.add(child)
                out[child] = max(out.get(child, -1.0), scored[row]) + self.w.default_child
                per_record.merge(child, row)
                notes[child].append(
                    f"the query names nothing more specific: {records.codes[child]} is the "
                    f"default code of {records.codes[parent]} ({records.titles[parent]})"
                )
                break
        return out

    def _of_encounter(self, parent: int, child: int, facts: QueryFacts) -> int:
        """The default child with the encounter the query names: "follow-up visit" of a
        fracture takes the subsequent encounter with routine healing (D), not the
        default child's initial encounter (A); the 7th character of the qualifiers'
        defaults (closed, routine healing)."""
        records = self.records
        found = title_encounter(records.titles[child])
        if facts.encounter is None or found is None or found == facts.encounter:
            return child
        stem = records.codes[child][:-1]
        for row in self.tree.descendants(records.systems[parent], records.codes[parent]):
            title = records.titles[row]
            if not (
                records.codes[row].startswith(stem)
                and records.billable[row]
                and title_encounter(title) == facts.encounter
            ):
                continue
            met = agreement(self.groups, facts.qualifiers, title.lower())
            if not met.conflict and not met.non_default:
                return row
        return child

    def _undistinguished(self, parent: int, facts: QueryFacts) -> bool:
        """The query names the category and none of the words its other children add:
        whatever else it says, the default child is the code. The words of a lexicon
        term that means the category itself ("dry ARMD": nonexudative age-related
        macular degeneration) are read as that sense, not as words of their own."""
        found = self.tree.distinguishing(parent, self.w.resolve_max_children)
        core = self.tree.core(parent)
        if found is None or not core <= facts.positive:
            return False
        told = set(facts.positive) | set(tokenize(facts.side or ""))  # "both my knees"
        for words, sense in facts.term_senses:
            if sense and sense <= core:
                told -= words - sense
        return not (told & found) and not (facts.negated & found)

    def said_more(
        self,
        scored: dict[int, float],
        facts: QueryFacts,
        notes: dict[int, list[str]],
    ) -> dict[int, float]:
        """A code whose title leaves something unspecified ("unspecified deep veins of left
        lower extremity") gives way when the query writes a word that only the titles of
        other codes of its subcategories say ("left femoral DVT": the femoral vein codes):
        the query chose a more specific code. The code moves down by ``unspecified_said``."""
        records = self.records
        out = dict(scored)
        for row in self._order(scored)[: self.w.default_candidates]:
            title = records.titles[row]
            if records.systems[row] != "ICD-10-CM" or not _UNSPECIFIED.search(title):
                continue
            parents = self.tree.ancestors(row)
            # what the codes of its subcategories add to their default codes (a category's
            # other children are other conditions, not a detail of this one)
            found: set[str] = set()
            for p in parents[:-1]:
                found |= (
                    self.tree.distinguishing(p, self.w.resolve_max_children) or set()
                ) & self._title_stems(p)
            if not found:
                continue
            own = name_stems((*records.terms(row), *(n for p in parents for n in records.terms(p))))
            # a word the query writes and keeps as reworded (not one the lexicon read as
            # something else: "HFrEF", "cancer")
            said = (facts.written & facts.reworded & found) - own
            if said:
                out[row] += self.w.unspecified_said
                notes[row].append(
                    f"the query names what {records.codes[row]} leaves unspecified "
                    f"({', '.join(sorted(said))}): a more specific code of its category says it"
                )
        return out

    def _title_stems(self, row: int) -> frozenset[str]:
        """The stems of the titles of a code's descendants (a word an inclusion term
        adds, "lower leg NOS", is no axis of the subcategory)."""
        found = self._titles_below.get(row)
        if found is None:
            records = self.records
            kids = self.tree.descendants(records.systems[row], records.codes[row])
            found = name_stems(tuple(records.titles[k] for k in kids))
            self._titles_below[row] = found
        return found

    def sided(
        self,
        scored: dict[int, float],
        facts: QueryFacts,
        notes: dict[int, list[str]],
        per_record: PerRecord,
    ) -> dict[int, float]:
        """The query names a side: a code that leaves the side open ("Tinnitus,
        unspecified ear") gives way to its sibling of that side ("Tinnitus, bilateral"),
        which takes its score plus a bonus, with a note. Retrieval favours the open code
        for the body part word its title repeats ("both ears": "unspecified ear")."""
        if not facts.side:
            return scored
        records = self.records
        out = dict(scored)
        for row in self._order(scored)[: self.w.default_candidates]:
            title = records.titles[row]
            if records.systems[row] != "ICD-10-CM" or not title_info(title).side_open:
                continue
            parents = self.tree.ancestors(row)
            if not parents:
                continue
            siblings = [
                r
                for r in self.tree.descendants(records.systems[row], records.codes[parents[0]])
                if records.billable[r]
                and len(records.codes[r]) == len(records.codes[row])
                and title_info(records.titles[r]).laterality == facts.side
            ]
            if not siblings:
                continue
            best = max(siblings, key=lambda r: (out.get(r, -1.0), -r))
            why = (
                f"the query names the side ({facts.side}): {records.codes[best]} rather than "
                f"{records.codes[row]} ({title})"
            )
            _promote(out, best, row, self.w.sided_sibling, why, per_record, notes)
        return out

    def excluded_with(
        self,
        scored: dict[int, float],
        facts: QueryFacts,
        notes: dict[int, list[str]],
        per_record: PerRecord,
    ) -> dict[int, float]:
        """An Excludes1 note that sends a combination elsewhere ("Calculus of kidney and
        ureter - Excludes1: that with hydronephrosis (N13.2)"): when the query names what
        follows "with", the code the note names takes the candidate's score plus a bonus."""
        records = self.records
        out = dict(scored)
        for row, source, line in self._note_lines_of_leaders(scored, "excludes1"):
            refs = with_redirect(line, facts.positive)
            target = self._billable_at(refs[0]) if refs else None
            if target is None:
                continue
            why = f"Excludes1 of {records.codes[source]} ({records.titles[source]}): "
            bonus = self.w.excludes1_redirect
            _promote(out, target, row, bonus, why + line.strip(), per_record, notes)
        return out

    def code_first(
        self,
        scored: dict[int, float],
        facts: QueryFacts,
        notes: dict[int, list[str]],
        per_record: PerRecord,
    ) -> dict[int, float]:
        """A "Code first" note naming a combination of the candidate's condition with
        another the query names ("Chronic kidney disease - code first: hypertensive
        chronic kidney disease (I12.-, I13.-)" for "HTN with CKD 3b"): the combination
        code is sequenced first (guidelines I.A.13, I.C.9.a.2), so the best of the codes the
        note names (the one that fits the query best, else its default child) takes the
        candidate's score plus a bonus."""
        records = self.records
        out = dict(scored)
        for row, source, line in self._note_lines_of_leaders(scored, "code_first"):
            refs = combination_first(line, records.titles[source], facts.positive)
            target = self._best_of(refs, scored, facts.positive)
            if target is None:
                continue
            why = f"Code first note of {records.codes[source]} ({records.titles[source]}): "
            bonus = self.w.code_first_combination
            _promote(out, target, row, bonus, why + line.strip(), per_record, notes)
        return out

    def _note_lines_of_leaders(
        self, scored: dict[int, float], note: str
    ) -> Iterator[tuple[int, int, str]]:
        """(candidate, code whose note it is, line) for the lines of one instructional note
        of the leading ICD-10-CM candidates and of their categories (a category's note
        applies to every code below it)."""
        for row in self._order(scored)[: self.w.default_candidates]:
            if self.records.systems[row] != "ICD-10-CM":
                continue
            for source in (row, *self.tree.ancestors(row)):
                for line in self._note_lines(source, note):
                    yield row, source, line

    def _best_of(
        self, refs: tuple[CodeRef, ...], scored: dict[int, float], said: frozenset[str]
    ) -> int | None:
        """The billable code under ``refs`` that ranks best, else the first one's default.
        Only categories whose title the query names all of are eligible when there are
        such (hypertensive heart and kidney disease needs a heart condition named)."""
        records = self.records
        named = [ref for ref in refs if self._category_named(ref, said)]
        refs = tuple(named) or refs
        found = [
            r
            for r in scored
            if records.billable[r]
            and records.systems[r] == "ICD-10-CM"
            and any(ref.covers(records.codes[r]) for ref in refs)
        ]
        if found:
            return max(found, key=lambda r: (scored[r], records.codes[r]))
        return self._billable_at(refs[0]) if refs else None

    def _billable_at(self, ref: CodeRef) -> int | None:
        """The code a reference names, or its default child where it is a category."""
        target = self.tree.first_covered("ICD-10-CM", ref)
        if target is not None and not self.records.billable[target]:
            target = self.tree.default_child(target)
        return target

    def _category_named(self, ref: CodeRef, said: frozenset[str]) -> bool:
        row = self.tree.first_covered("ICD-10-CM", ref)
        if row is None:
            return False
        return content_stems(_PARENTHESES.sub(" ", self.records.titles[row])) <= said

    def _note_lines(self, row: int, note: str) -> tuple[str, ...]:
        """The lines of one instructional note of a record (read once per record)."""
        key = (row, note)
        found = self._note_text.get(key)
        if found is None:
            if note not in self.records.links(row):
                found = ()
            else:
                record = self.records[row]
                found = tuple(
                    line
                    for sec in record.sections
                    if sec.name == note
                    for line in sec.text.splitlines()
                )
            self._note_text[key] = found
        return found

    def excludes1_refs(self, row: int) -> tuple[CodeRef, ...]:
        """The Excludes1 notes of a code and of its categories (they apply to all below)."""
        return tuple(
            ref
            for r in (row, *self.tree.ancestors(row))
            for ref in self.records.links(r).get("excludes1", ())
        )

    def excludes1(
        self, rows: list[int], scored: dict[int, float], notes: dict[int, list[str]]
    ) -> list[int]:
        """Codes that an Excludes1 note of a better-ranked code rules out (or whose own
        Excludes1 rules that code out) move down, with a note saying why."""
        records = self.records
        pairs = excludes1_pairs(
            rows,
            lambda r: records.codes[r],
            self.excludes1_refs,
            self.w.excludes1_window,
        )
        if not pairs:
            return rows
        for row, better in pairs.items():
            scored[row] += self.w.excludes1_demotion
            notes[row].append(
                f"Excludes1 with {records.codes[better]} ({records.titles[better]}): "
                "the two are not coded together"
            )
        return self._order(scored)
