"""Combination codes and statuses a coder reads from the words: a title naming several
values of an axis, a query naming two conditions of different acuity, "Code first" notes
that name a combination, the status a past procedure left, and encounters that need
the words that make them one."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.assistant import Assistant
from assistant.conventions import content_stems
from assistant.knowledge.gates import gated, load_gates, shut_gates
from assistant.knowledge.qualifiers import agreement, load_groups, parse_groups, query_values
from assistant.query import analyze
from assistant.ranking import combination_first
from assistant.search import Retriever
from corpus.links import CodeRef
from corpus.loader import load_corpus
from index.build import build_index
from index.search_index import SearchIndex
from tests.helpers import HashEmbedder
from tests.test_index import small_config

I12_9 = (
    "Hypertensive chronic kidney disease with stage 1 through stage 4 chronic kidney disease, "
    "or unspecified chronic kidney disease"
)
I12_0 = (
    "Hypertensive chronic kidney disease with stage 5 chronic kidney disease or end stage "
    "renal disease"
)


def _group(axis: str):  # type: ignore[no-untyped-def]
    return next(g for g in load_groups() if g.axis == axis)


def test_a_title_names_every_value_it_joins_by_or_or_through() -> None:
    stage = _group("stage")
    assert stage.names(I12_9.lower()) == {
        "stage 1",
        "stage 2",
        "stage 3",
        "stage 3a",
        "stage 3b",
        "stage 4",
    }
    assert stage.names(I12_0.lower()) == {"stage 5", "end stage"}
    assert stage.names("chronic kidney disease, stage 3b") == {"stage 3b"}
    # words that hold another value name nothing more: acute on chronic is one value
    acuity = _group("acuity")
    assert acuity.names("acute on chronic systolic (congestive) heart failure") == {
        "acute on chronic"
    }
    # a query naming a stage in the range agrees; one outside it contradicts
    groups = load_groups()
    inside = agreement(groups, query_values(groups, "htn with ckd stage 3b"), I12_9.lower())
    outside = agreement(groups, query_values(groups, "htn with ckd stage 5"), I12_9.lower())
    assert (inside.agree, inside.conflict) == (1, 0)
    assert outside.conflict == 1
    esrd = agreement(groups, query_values(groups, "htn with esrd"), I12_0.lower())
    assert (esrd.agree, esrd.conflict) == (1, 0)


def test_a_query_naming_two_acuities_apart_names_none() -> None:
    acuity = _group("acuity")
    assert acuity.query_value("acute kidney injury on chronic kidney disease") is None
    assert acuity.query_value("acute bronchitis") == "acute"
    assert acuity.query_value("acute on chronic systolic heart failure") == "acute on chronic"
    # a group without the flag keeps the first value it finds
    assert _group("severity").query_value("mild to moderate asthma, severe cough") == "mild"


def test_order_and_several_are_checked() -> None:
    base = {
        "axis": "x",
        "values": [{"name": "a", "patterns": ["a"]}, {"name": "b", "patterns": ["b"]}],
    }
    with pytest.raises(Exception, match="order"):
        parse_groups({"version": 1, "groups": [{**base, "order": ["a", "c"]}]})
    with pytest.raises(Exception, match="several"):
        parse_groups({"version": 1, "groups": [{**base, "several": "first"}]})
    (group,) = parse_groups({"version": 1, "groups": [{**base, "several": "open"}]})
    assert group.several_open


def test_a_code_first_line_naming_a_combination_redirects() -> None:
    said = content_stems("hypertension with chronic kidney disease stage 3b")
    line = "hypertensive chronic kidney disease (I12.-, I13.-)"
    owner = "Chronic kidney disease (CKD)"
    assert combination_first(line, owner, said) == (CodeRef("I12", "I12"), CodeRef("I13", "I13"))
    # the query must name the other condition too
    assert combination_first(line, owner, content_stems("chronic kidney disease stage 3b")) == ()
    # an etiology that is no combination of the note's own condition redirects nothing
    anemia = "Anemia in chronic kidney disease"
    underlying = "underlying chronic kidney disease (CKD) (N18.-)"
    assert combination_first(underlying, anemia, content_stems("anemia in ckd")) == ()
    assert combination_first("any associated:", owner, said) == ()


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, fixtures: Path, seeds: Path) -> Assistant:
    tmp = tmp_path_factory.mktemp("combinations")
    embedder = HashEmbedder()
    build_index(load_corpus(small_config(fixtures, seeds)), tmp / "idx", embedder, tmp / "cache")
    return Assistant(Retriever(SearchIndex.open(tmp / "idx", model=embedder.info), embedder))


def test_hypertension_with_ckd_is_the_combination_code_first(assistant: Assistant) -> None:
    # guideline I.C.9.a.2: the link is presumed; N18's "Code first" names I12
    top = assistant.search("hypertension with chronic kidney disease stage 3a", system="ICD-10-CM")
    codes = [r.code for r in top.results]
    assert codes[0] == "I12.9", codes
    assert "N18.31" in codes  # the stage is still offered
    assert any("Code first" in n for n in top.results[0].notes)
    # no hypertension named: the kidney disease itself
    alone = assistant.search("chronic kidney disease stage 3a", system="ICD-10-CM")
    assert alone.results[0].code == "N18.31"


def test_a_status_alone_is_searched_in_its_status_title_words() -> None:
    (status,) = [
        e
        for e in analyze("hx R TKA 2019, doing well").expansions
        if e.source == "status after a procedure"
    ]
    assert "artificial knee joint" in status.means and status.term.lower() == "tka"
    # beside a current problem the problem is coded first: no status search
    sources = {e.source for e in analyze("s/p cholecystectomy, now with RUQ pain").expansions}
    assert "status after a procedure" not in sources
    # no status for a procedure system search
    pcs = analyze("s/p left hip replacement", system="ICD-10-PCS").expansions
    assert all(e.source != "status after a procedure" for e in pcs)


def test_follow_up_and_observation_encounters_need_their_words() -> None:
    gates = load_gates()

    def behind(code: str, text: str) -> str | None:
        return gated(code, shut_gates(gates, text))

    # a routine follow-up of a condition still treated is coded as the condition (I.C.21.c.8)
    assert behind("Z09", "rheumatoid arthritis on methotrexate, routine follow-up") is not None
    assert behind("Z09", "follow-up after completed treatment of pneumonia") is None
    assert behind("Z04.3", "rheumatoid arthritis on methotrexate, routine follow-up") is not None
    assert behind("Z04.1", "observation after mvc, no injury found") is None


@pytest.mark.parametrize(
    ("query", "encounter"),
    [
        ("recheck of ankle sprain, 2 weeks later", "subsequent"),
        ("wound check, laceration of left index finger", "subsequent"),
        ("ankle sprain", None),
    ],
)
def test_a_recheck_is_a_subsequent_encounter(query: str, encounter: str | None) -> None:
    assert analyze(query, system="ICD-10-CM").encounter == encounter
