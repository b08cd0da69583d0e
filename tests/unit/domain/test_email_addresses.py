"""The private e-mail address a member saves for password links: what is accepted as one, and why not."""

from __future__ import annotations

import pytest

from circlefed.domain.account_settings import BAD_EMAIL, clean_email
from circlefed.errors import BadRequest


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("  robin@example.org ", "robin@example.org"),
        ("Robin.Private+circles@mail.example.co.uk", "Robin.Private+circles@mail.example.co.uk"),
        ("ünï@bücher.example", "ünï@bücher.example"),
        ("", None),
        ("   ", None),
    ],
)
def test_an_address_is_kept_as_typed_trimmed_and_empty_means_none(typed, kept):
    assert clean_email(typed) == kept


@pytest.mark.parametrize(
    "typed",
    [
        "robin",
        "robin at example.org",
        "robin@localhost",
        "robin@@example.org",
        "@example.org",
        "robin@example.org\r\nBcc: eve@example.org",
        "Robin <robin@example.org>",
        "robin@example.org.",
        "robin@example.o",
        "rob\u200bin@example.org",
        "r" * 65 + "@example.org",
    ],
)
def test_what_is_not_an_address_is_refused_with_an_example_of_one(typed):
    with pytest.raises(BadRequest) as refused:
        clean_email(typed)
    assert refused.value.message == BAD_EMAIL


def test_an_address_longer_than_the_column_is_refused_with_its_length():
    with pytest.raises(BadRequest) as refused:
        clean_email("r" * 60 + "@" + "e" * 200 + ".org")
    assert refused.value.message == "The e-mail address can be at most 255 characters long (it has 265)."
