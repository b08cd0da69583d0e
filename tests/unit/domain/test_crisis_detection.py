"""Crisis-language detection: the corpus figures (recall, false holds), normalising, and the admin's own terms.

The corpus (tests/fixtures/crisis/) was written for this project. Its last part was written after the phrases
were first tuned, as an unseen check: before the phrases were generalised from it, the first unseen set of 50
gave 58% recall and 0% false holds, the second set of 40 (after generalising) 70% recall and 10% false holds.
Those are the honest figures for phrasings nobody has tried yet; the thresholds below hold the whole corpus.
"""

from pathlib import Path

import pytest

from circlefed.domain.crisis import normalise, sounds_like_crisis

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "crisis"
MIN_RECALL = 0.95
MAX_FALSE_HOLDS = 0.10


def corpus(name: str) -> list[str]:
    lines = (CORPUS / name).read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def test_the_corpus_is_held_with_high_recall_and_few_false_holds():
    # SPEC: issue 15 crisis detection (>= 150 crisis and 150 ordinary sentences; recall >= 95%, false holds <= 10%)
    crisis, ordinary = corpus("crisis.txt"), corpus("ordinary.txt")
    assert len(crisis) >= 150 and len(ordinary) >= 150
    missed = [line for line in crisis if not sounds_like_crisis(line)]
    false_holds = [line for line in ordinary if sounds_like_crisis(line)]
    recall = 1 - len(missed) / len(crisis)
    false_rate = len(false_holds) / len(ordinary)
    print(
        f"\ncrisis corpus: recall {recall:.1%} ({len(crisis) - len(missed)}/{len(crisis)}), "
        f"false holds {false_rate:.1%} ({len(false_holds)}/{len(ordinary)})"
    )
    print("missed:", *missed, sep="\n  ")
    print("held although ordinary:", *false_holds, sep="\n  ")
    assert recall >= MIN_RECALL, missed
    assert false_rate <= MAX_FALSE_HOLDS, false_holds


@pytest.mark.parametrize(
    "text",
    [
        "Thinking about suicide a lot",
        "I'm going to overdose tonight",
        "nobody would miss me if I was gone",
        "everyone would be better off without me",
        "i w4nt t0 d1e",
        "gonna k1ll mys3lf",
        "su1c1de is all i think about",
        "im gonna 0d on my meds",
        "I’m going to end my life",  # curly apostrophe
        "I  WANT   TO DIEEEE!!!",
    ],
)
def test_crisis_phrasings_the_old_term_list_missed_are_held(text):
    # SPEC: issue 15 crisis detection ("suicidal" was listed, "suicide" was not; letter/number swaps such as "d1e")
    assert sounds_like_crisis(text)


@pytest.mark.parametrize(
    "text",
    [
        "My friend died by suicide last year and I still miss her.",
        "I used to self-harm, 5 years clean now.",
        "The overdose hotline helped my brother.",
        "My son said he's been thinking about suicide, what do I do?",
        "I'm not going to hurt myself, I just needed to say it.",
        "This heat is killing me.",
        "I don't want to die, the surgery is next week.",
    ],
)
def test_others_the_past_support_and_idioms_are_not_held(text):
    assert not sounds_like_crisis(text)


def test_normalising_spells_out_contractions_slang_and_swaps_and_splits_clauses():
    assert normalise("I can't go on, I'm done. 2nite I'll OD") == [
        "i can not go on",
        "i am done",
        "tonight i will overdose",
    ]
    assert normalise("K!LL my self") == ["kill myself"]
    assert normalise("call 116 123 from 9-17") == ["call 116 123 from 9 17"]  # numbers alone stay numbers


def test_the_admins_terms_match_after_the_same_normalising_and_work_without_the_built_in_phrases():
    terms = ("quiero morir", "Ich will sterben", "no point anymore")
    assert sounds_like_crisis("A veces QUIERO MORIR.", terms, phrases=False)
    assert sounds_like_crisis("ich   will sterben", terms, phrases=False)
    assert sounds_like_crisis("There's no point any more", terms, phrases=False)  # "any more" → "anymore"
    assert not sounds_like_crisis("quiero morirme de risa", ("quiero morir",), phrases=False)  # whole words
    assert not sounds_like_crisis("I want to die", terms, phrases=False)  # built-in phrases off
    assert sounds_like_crisis("I want to die", ())  # on by default
