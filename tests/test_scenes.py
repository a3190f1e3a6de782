"""Scenes: descriptions read from the cue words they hold together (knowledge/scenes)."""

from __future__ import annotations

from collections import Counter

import pytest

from assistant.errors import KnowledgeError
from assistant.knowledge.scenes import (
    MAX_SCENE_WORDS,
    build_scenes,
    described,
    find_scenes,
    load_scenes,
    parse_scenes,
)
from assistant.knowledge.vocabulary import code_set_stems, unknown_words
from assistant.query import analyze

SHUNT = {
    "name": "shunt from the brain to the belly",
    "cues": [["shunt"], ["brain", "head"], ["belly", "tummy"]],
    "unless": ["remov*", "taken out"],
    "means": ["Bypass Cerebral Ventricle to Peritoneal Cavity"],
    "systems": ["ICD-10-PCS"],
    "examples": ["a shunt from his brain to his belly"],
}
DIALYSIS = {
    "name": "dialysis machine",
    "cues": [["kidney machine", "dialysis machine"]],
    "means": ["Performance of Urinary Filtration"],
    "systems": ["ICD-10-PCS"],
}
STITCHES = {
    "name": "stitches",
    "cues": [["stitch*"], ["forehead", "face"]],
    "means": ["Repair Face Skin"],
    "systems": ["ICD-10-PCS"],
}


def _scenes(*entries: dict[str, object]):
    return build_scenes([("t.json", {"version": 1, "domain": "t", "entries": list(entries)})])


def test_a_scene_needs_one_cue_of_every_group_in_any_order() -> None:
    scenes = _scenes(SHUNT)
    text = "they put a SHUNT in so the fluid drains from my son's head into his tummy"
    (m,) = find_scenes(text, scenes, "ICD-10-PCS")
    assert text[m.start : m.end] == "SHUNT in so the fluid drains from my son's head into his tummy"
    assert [text[a:b] for a, b in m.cues] == ["SHUNT", "head", "tummy"]
    assert not find_scenes("a shunt in his head", scenes)  # no belly
    assert not find_scenes("shunt from the brain to the belly", scenes, "ICD-10-CM")


def test_unless_cues_plurals_prefixes_and_phrases() -> None:
    scenes = _scenes(SHUNT, DIALYSIS, STITCHES)
    assert not find_scenes("they removed the shunt from his brain to his belly", scenes)
    assert not find_scenes("shunt from the brain to the belly was taken out", scenes)
    assert [m.scene.name for m in find_scenes("got 5 stitches on my forehead", scenes)] == [
        "stitches"
    ]
    assert [m.scene.name for m in find_scenes("she goes to the kidney machines", scenes)] == [
        "dialysis machine"
    ]
    # a phrase cue needs its words in a row, a word cue the whole word
    assert not find_scenes("the machine for my kidney", scenes)
    assert not find_scenes("shunted blood from the brainstem to the belly", scenes)


def test_cues_far_apart_are_two_descriptions_not_one_scene() -> None:
    scenes = _scenes(STITCHES)
    filler = " ".join(["word"] * MAX_SCENE_WORDS)
    assert not find_scenes(f"stitches {filler} forehead", scenes)
    assert find_scenes(f"stitches {' '.join(['word'] * 5)} forehead", scenes)


def test_malformed_scenes_are_refused_with_the_file_and_entry() -> None:
    def bad(entry: dict[str, object], message: str) -> None:
        with pytest.raises(KnowledgeError, match=message):
            parse_scenes({"version": 1, "entries": [entry]}, "f.json")

    bad({**SHUNT, "cues": [["kidney"]]}, "f.json entry 1: one cue group needs cues of several")
    bad({**SHUNT, "cues": [["shunt"], ["brain/head"]]}, "not plain words")
    bad({**SHUNT, "cues": []}, "non-empty list of cue lists")
    bad({**SHUNT, "means": []}, "'means' must be")
    bad({**SHUNT, "systems": ["ICD-9-CM"]}, "unknown code set")
    with pytest.raises(KnowledgeError, match="version"):
        parse_scenes({"version": 2, "entries": []}, "f.json")


def test_a_negated_cue_a_term_already_read_or_a_chart_keeps_a_scene_out() -> None:
    (mesh,) = _scenes(
        {
            "name": "hernia with mesh",
            "cues": [["hernia"], ["mesh"]],
            "means": ["Supplement Abdominal Wall with Synthetic Substitute"],
        }
    )
    told = build_scenes(
        [("c.json", {"version": 1, "told_only": True, "entries": [{**STITCHES, "name": "s"}]})]
    )
    text = "hernia fixed, didn't use any mesh"
    mesh_at = text.index("didn't")
    assert described(text, [mesh], None, told=True)
    assert not described(text, [mesh], None, told=True, negated=[(mesh_at, len(text))])
    # every cue inside a lexicon term: the term says more than the scene
    assert not described(text, [mesh], None, told=True, terms=[(0, len(text))])
    assert described(text, [mesh], None, told=True, terms=[(0, 6)])
    assert described("stitches on the forehead", told, None, told=True)
    assert not described("stitches on the forehead", told, None, told=False)


# -- the packaged scenes ----------------------------------------------------------------------
def test_packaged_scenes_are_broad_and_read_their_own_examples() -> None:
    scenes = load_scenes()
    systems = Counter(s for scene in scenes for s in scene.systems)
    assert systems["ICD-10-PCS"] >= 200 and systems["ICD-10-CM"] >= 100, systems
    assert len({s.name for s in scenes}) == len(scenes)
    unread = [
        (s.domain, s.name, e)
        for s in scenes
        for e in s.examples
        if not any(m.scene is s for m in find_scenes(e, [s]))
    ]
    assert not unread, unread[:5]
    assert all(len(s.examples) >= 2 for s in scenes)


def test_the_index_finds_what_checking_every_scene_finds() -> None:
    scenes = load_scenes()
    every = list(scenes)
    texts = [e for s in scenes for e in s.examples][::25]  # checking every scene is slow
    texts += ["my kids' tubes were put in", "the boxes fell", "a drained abscess", "X", ""]
    for text in texts:
        assert find_scenes(text, scenes) == find_scenes(text, every), text
    assert find_scenes(texts[0], scenes, "ICD-10-CM") == find_scenes(texts[0], every, "ICD-10-CM")


def test_every_scene_meaning_is_written_in_code_title_words() -> None:
    stems = code_set_stems()
    bad = [
        (s.domain, s.name, m, unknown_words(m, stems))
        for s in load_scenes()
        for m in s.means
        if unknown_words(m, stems)
    ]
    assert not bad, bad[:10]


def test_a_scene_is_an_expansion_with_exact_offsets_and_rewords_the_query() -> None:
    (scene,) = [s for s in load_scenes() if s.name == "a chemotherapy cycle named by its drugs"]
    query = "here for cycle 3 carboplatin/pemetrexed, NSCLC"
    analysis = analyze(query, system="ICD-10-CM")
    (e,) = [e for e in analysis.expansions if e.kind == "scene"]
    assert query[e.start : e.end] == e.term and e.means in scene.means
    assert analysis.rewritten.startswith("Encounter for antineoplastic chemotherapy")
    assert "carboplatin" not in analysis.rewritten
    # a drug's complication is not the session
    toxic = analyze("oxaliplatin-induced neuropathy after cycle 6", system="ICD-10-CM")
    assert not [e for e in toxic.expansions if e.kind == "scene"]


def test_a_condition_scene_is_read_in_someone_s_telling_not_in_a_chart() -> None:
    import re

    from assistant.scene_reading import told_by_a_person

    def charted(text: str) -> str:  # the same words without a person in them
        return re.sub(
            r"\b(?:i|i'?m|i'?ve|me|my|we|our|us|he|she|his|her|him|they|their|them)\b",
            " ",
            text,
            flags=re.I,
        )

    told = [
        (s, e)
        for s in load_scenes()
        if s.told_only
        for e in s.examples
        if told_by_a_person(e) and find_scenes(charted(e), [s])
    ]

    def scenes_read(text: str) -> set[str]:
        return {e.means for e in analyze(text, system="ICD-10-CM").expansions if e.kind == "scene"}

    read = [(s, e) for s, e in told if s.means[0] in scenes_read(e)]
    assert len(read) >= 20
    for scene, example in read:
        chart = charted(example)
        assert not told_by_a_person(chart) and find_scenes(chart, [scene])
        assert scene.means[0] not in scenes_read(chart)
    with pytest.raises(KnowledgeError, match="told_only"):
        parse_scenes({"version": 1, "told_only": "yes", "entries": []}, "f.json")


@pytest.mark.parametrize(
    ("text", "not_meant"),
    [
        ("I punched the bag at the gym and hurt my wrist", "Colostomy status"),
        ("I separated my shoulder playing rugby", "Disruption of family by separation and divorce"),
        ("got a busted lip from an elbow in basketball", "Fracture of humerus"),
        ("here to talk about getting a vasectomy", "Sterilization status"),
    ],
)
def test_a_neighbouring_description_reads_no_scene_of_the_packaged_files(
    text: str, not_meant: str
) -> None:
    """Precision of the packaged scenes on descriptions of something else: a punching bag is
    no colostomy, a separated shoulder no divorce, a lip hit by an elbow no broken elbow, a
    vasectomy asked about no sterilization status."""
    meant = {m.scene.means[0] for m in find_scenes(text, load_scenes(), "ICD-10-CM")}
    assert not_meant not in meant
