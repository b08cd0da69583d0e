"""Inbound JSON documents: nesting limit, constants and strings a database cannot store, whatever the shortcut."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from circlefed.errors import BadRequest
from circlefed.protocol.parse import MAX_DEPTH, _depth, load_json_text


def nested(depth: int) -> bytes:
    """An object whose nesting is exactly `depth` levels (the top object counts as one)."""
    return b'{"n": ' * (depth - 1) + b"{}" + b"}" * (depth - 1)


def test_nesting_up_to_the_limit_is_accepted_and_one_more_level_is_refused():
    document, _ = load_json_text(nested(MAX_DEPTH))
    assert _depth(document) == MAX_DEPTH
    with pytest.raises(BadRequest, match="nested too deeply"):
        load_json_text(nested(MAX_DEPTH + 1))


def test_many_shallow_containers_and_brackets_inside_strings_are_not_too_deep():
    wide = {"tag": [{"type": "Mention", "href": f"https://a.example/u/{n}"} for n in range(100)]}
    wide["content"] = "[[[[" * 50 + "{{{{" * 50
    document, text = load_json_text(json.dumps(wide).encode())
    assert document == wide
    assert json.loads(text) == wide


def test_a_deep_array_hidden_among_shallow_ones_is_refused():
    deep = [0]
    for _ in range(MAX_DEPTH):
        deep = [deep]
    body = json.dumps({"a": [[1]] * 10, "b": deep}).encode()
    with pytest.raises(BadRequest, match="nested too deeply"):
        load_json_text(body)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_constants_json_does_not_have_are_refused(constant):
    with pytest.raises(BadRequest, match="not valid JSON"):
        load_json_text(f'{{"x": {constant}}}'.encode())


strings = st.text(alphabet="[]{}ab", max_size=5)
leaves = st.one_of(st.integers(), strings, st.none())
shallow = st.recursive(leaves, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(strings, inner, max_size=3))


@st.composite
def documents(draw):
    """A chain of 1-45 containers (so both sides of the limit), each with shallow siblings."""
    value = draw(leaves)
    for wrap_in_list in draw(st.lists(st.booleans(), min_size=1, max_size=45)):
        siblings = draw(st.lists(shallow, max_size=2))
        value = [value, *siblings] if wrap_in_list else {"x": value, **{f"s{n}": v for n, v in enumerate(siblings)}}
    return {"v": value}


@settings(max_examples=300, deadline=None)
@given(documents())
def test_the_depth_limit_matches_a_full_walk_of_the_document(document):
    body = json.dumps(document).encode()
    if _depth(document) > MAX_DEPTH:
        with pytest.raises(BadRequest, match="nested too deeply"):
            load_json_text(body)
    else:
        assert load_json_text(body)[0] == document
