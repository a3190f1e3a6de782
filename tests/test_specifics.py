"""What the query names chooses the code: a title leaving unspecified what the query
says gives way, an encounter named picks the 7th character of the default child, a term
written with abbreviations is the term, and code families that need their words (a
cancer follow-up, a pathological fracture, an administrative examination)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from assistant.conventions import query_facts
from assistant.knowledge.gates import gated, load_gates, shut_gates
from assistant.knowledge.lexicon import load_lexicon
from assistant.knowledge.phrases import find_terms
from assistant.knowledge.qualifiers import agreement, load_groups, query_values
from assistant.query import analyze
from assistant.ranking import Conventions
from assistant.search import Retriever
from corpus.loader import load_corpus
from index.build import build_index
from index.search_index import SearchIndex
from tests.helpers import HashEmbedder
from tests.test_index import small_config


@pytest.fixture(scope="module")
def conventions(
    tmp_path_factory: pytest.TempPathFactory, fixtures: Path, seeds: Path
) -> Conventions:
    tmp = tmp_path_factory.mktemp("specifics")
    embedder = HashEmbedder()
    build_index(load_corpus(small_config(fixtures, seeds)), tmp / "idx", embedder, tmp / "cache")
    retriever = Retriever(SearchIndex.open(tmp / "idx", model=embedder.info), embedder)
    return retriever.ranking


def _rows(conventions: Conventions, *codes: str) -> list[int]:
    rows = [conventions.tree.row("ICD-10-CM", c) for c in codes]
    assert all(r is not None for r in rows), codes
    return [r for r in rows if r is not None]


def _facts(query: str):  # type: ignore[no-untyped-def]
    return query_facts(analyze(query, system="ICD-10-CM"), load_groups())


def test_a_title_leaving_unspecified_what_the_query_names_gives_way(
    conventions: Conventions,
) -> None:
    unspecified, femoral = _rows(conventions, "I82.402", "I82.412")
    scored = {unspecified: 1.0, femoral: 1.0}
    notes: dict[int, list[str]] = defaultdict(list)
    out = conventions.said_more(scored, _facts("left femoral DVT"), notes)
    assert out[unspecified] == pytest.approx(1.0 + conventions.w.unspecified_said)
    assert out[femoral] == 1.0
    assert "femor" in notes[unspecified][0]
    # nothing more named: the unspecified code stays
    assert conventions.said_more(scored, _facts("left leg DVT"), defaultdict(list)) == scored
    # a word only an inclusion term of another code says ("lower leg NOS") is no axis
    lower_leg = _facts("DVT of the left lower leg")
    assert conventions.said_more(scored, lower_leg, defaultdict(list))[unspecified] == 1.0


def test_the_default_child_takes_the_encounter_the_query_names(
    conventions: Conventions,
) -> None:
    initial, subsequent = _rows(conventions, "S72.002A", "S72.002D")
    scored = {initial: 0.9, subsequent: 0.85}
    notes: dict[int, list[str]] = defaultdict(list)
    facts = _facts("fracture of neck of left femur, follow-up visit")
    assert facts.encounter == "subsequent"
    out = conventions.defaults(scored, facts, notes, _NoMerge())
    assert out[subsequent] > out[initial]
    assert any("default code" in n for n in notes[subsequent])
    # no encounter named: the initial encounter is the default
    plain = conventions.defaults(
        scored, _facts("fracture of neck of left femur"), defaultdict(list), _NoMerge()
    )
    assert plain[initial] > plain[subsequent]


class _NoMerge:
    def merge(self, child: int, parent: int) -> None:
        pass


@pytest.mark.parametrize(
    ("query", "term", "means"),
    [
        ("R distal radius fx, closed", "distal radius fx", "fracture of lower end of radius"),
        ("L hip fx after a fall", "hip fx", "fracture of neck of femur"),
    ],
)
def test_a_term_written_with_abbreviations_is_the_term(query: str, term: str, means: str) -> None:
    found = {
        query[m.start : m.end]: [p for s in m.senses for p in s.means]
        for m in find_terms(query, load_lexicon(), "ICD-10-CM")
    }
    assert means in found[term]


def test_no_term_is_made_of_words_that_are_not_abbreviations() -> None:
    found = [m for m in find_terms("distal radius fixed", load_lexicon(), "ICD-10-CM")]
    assert all("fracture" not in p for m in found for s in m.senses for p in s.means)


def test_cancer_follow_up_pathological_fracture_and_administrative_exams_need_words() -> None:
    gates = load_gates()

    def behind(code: str, text: str) -> str | None:
        return gated(code, shut_gates(gates, text))

    assert behind("Z08", "follow-up visit") is not None
    assert behind("Z08", "follow-up after completed treatment of breast cancer") is None
    assert behind("Z08", "breast cancer on anastrozole, follow-up") is not None  # not over
    assert behind("M84.431A", "fracture of right humerus after a fall") is not None
    assert behind("M80.08XA", "osteoporotic compression fracture of T12") is None
    assert behind("M84.48XA", "fracture through a lytic lesion of the rib") is None
    assert behind("S22.080A", "osteoporotic compression fracture of T12") is None
    assert behind("Z02.0", "follow-up visit") is not None
    assert behind("Z02.5", "sports physical for football") is None
    assert behind("Z02.1", "pre-employment physical") is None


def test_a_fracture_heals_routinely_unless_the_query_says_otherwise() -> None:
    groups = load_groups()
    said = query_values(groups, "fracture of left femur, subsequent encounter")
    title = "fracture of left femur, subsequent encounter for closed fracture with {} healing"
    delayed, routine = title.format("delayed"), title.format("routine")
    assert agreement(groups, said, delayed).non_default == 1
    assert agreement(groups, said, routine).non_default == 0
    as_expected = query_values(groups, "fracture of left femur, healing as expected")
    assert agreement(groups, as_expected, routine).agree == 1
    assert agreement(groups, as_expected, delayed).conflict == 1


def test_a_negated_term_denies_only_what_the_query_does_not_affirm_elsewhere() -> None:
    # "DTs" means alcohol dependence with withdrawal delirium: only the delirium is denied
    facts = _facts("EtOH dependence, currently withdrawing, no DTs or seizures")
    assert "delirium" in facts.negated
    assert {"depend", "withdraw"} & facts.positive == {"depend", "withdraw"}
    assert not {"depend", "withdraw"} & facts.negated
    # said nowhere else, the whole meaning is denied
    alone = _facts("no DTs")
    assert {"delirium", "withdraw"} <= alone.negated


def test_an_examination_is_without_abnormal_findings_unless_one_is_named() -> None:
    groups = load_groups()
    without = "encounter for general adult medical examination without abnormal findings"
    with_ = "encounter for general adult medical examination with abnormal findings"
    normal = query_values(groups, "annual wellness exam, adult, nl findings")
    assert agreement(groups, normal, without).agree == 1
    assert agreement(groups, normal, with_).conflict == 1
    unsaid = query_values(groups, "annual physical, adult")
    assert agreement(groups, unsaid, with_).non_default == 1
    abnormal = query_values(groups, "annual physical with abnormal findings")
    assert agreement(groups, abnormal, with_).agree == 1


def test_a_well_child_check_is_read_beside_a_child_s_age_or_growth() -> None:
    means = [e.means for e in analyze("2 yo WCC, growth nl", system="ICD-10-CM").expansions]
    assert "encounter for routine child health examination" in means
    lab = [e.means for e in analyze("WCC 14.2, left shift", system="ICD-10-CM").expansions]
    assert "encounter for routine child health examination" not in lab


def test_a_term_written_with_a_result_sign_needs_the_sign() -> None:
    def means(query: str) -> list[str]:
        return [e.means for e in analyze(query, system="ICD-10-CM").expansions]

    assert not any("estrogen receptor positive status" in m for m in means("got to the ER"))
    assert "estrogen receptor positive status [ER+]" in means("L breast IDC, ER+")
    her2 = means("HER2- tumor")
    assert not any("receptor 2 positive status" in m for m in her2)
    assert any("receptor 2 negative status" in m for m in her2)


@pytest.mark.parametrize(
    "query", ["the neighbor's dog bit my right hand", "bitten by a cat on the left forearm"]
)
def test_an_animal_s_bite_told_as_what_it_did_is_an_open_bite(query: str) -> None:
    assert "open bite" in [e.means for e in analyze(query, system="ICD-10-CM").expansions]
