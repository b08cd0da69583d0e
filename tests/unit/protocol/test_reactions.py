"""Rendering a member's vote and its Undo in Lemmy's shapes (pure protocol code)."""

import json
from pathlib import Path

import pytest

from circlefed.protocol.reactions import render_reaction, render_reaction_undo
from circlefed.protocol.vocab import PUBLIC, undefined_terms

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "activities"
CIRCLE = "https://clinic.example/c/grief"
FRAN = "https://clinic.example/u/fran"
THREAD = "https://clinic.example/t/abc"
LIKE_ID = "https://clinic.example/activities/1"


def lemmy(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


@pytest.mark.parametrize(("kind", "fixture"), [("like", "lemmy_like_1"), ("dislike", "lemmy_dislike_1")])
def test_a_vote_has_lemmys_shape_and_is_addressed_to_the_circle_only(kind, fixture):
    # SPEC: PROTOCOL.md reactions (Like{actor, object, audience: circle}, no to: Public)
    vote = render_reaction(kind, LIKE_ID, FRAN, THREAD, CIRCLE)
    assert set(lemmy(fixture)) <= set(vote)
    assert (vote["type"], vote["actor"], vote["object"]) == (lemmy(fixture)["type"], FRAN, THREAD)
    assert vote["audience"] == CIRCLE and vote["to"] == [CIRCLE] and PUBLIC not in json.dumps(vote)
    assert undefined_terms(vote) == set()


def test_an_undo_embeds_the_vote_under_its_own_id():
    vote = render_reaction("like", LIKE_ID, FRAN, THREAD, CIRCLE)
    undo = render_reaction_undo("https://clinic.example/activities/2", vote, CIRCLE)
    assert set(lemmy("lemmy_undo_1")) <= set(undo)
    assert undo["actor"] == FRAN and undo["audience"] == CIRCLE
    assert undo["object"] == {key: value for key, value in vote.items() if key != "@context"}
    assert undo["object"]["id"] == LIKE_ID
    assert undefined_terms(undo) == set()


def test_only_likes_and_dislikes_are_votes():
    with pytest.raises(ValueError, match="not a reaction"):
        render_reaction("love", LIKE_ID, FRAN, THREAD, CIRCLE)
