"""Mastodon's domain-block CSV: read into circlefed rules and written back (pure)."""

from pathlib import Path

import pytest

from circlefed.errors import BadRequest
from circlefed.policy.blocklist_csv import COLUMNS, ImportedRule, parse_blocklist, render_blocklist

MASTODON_EXPORT = Path(__file__).resolve().parents[2] / "fixtures" / "mastodon" / "domain_blocks.csv"
HEADER = ",".join(COLUMNS)


def test_a_mastodon_export_maps_severities_to_circlefed_actions():
    # SPEC: issue 7 (suspend → block, silence → silence, noop + reject_media → reject_media)
    parsed = parse_blocklist(MASTODON_EXPORT.read_text())
    assert parsed.rules == (
        ImportedRule("spam.example", "block", "Spam and harassment"),
        ImportedRule("loud.example", "silence", "Unmoderated, lots of noise"),
        ImportedRule("pics.example", "reject_media", ""),
        ImportedRule("xn--bcher-kva.example", "block", ""),
    )
    assert [line.split(":")[0] for line in parsed.skipped] == ["line 5", "line 6"]
    assert "noop" in parsed.skipped[0] and "obfuscated" in parsed.skipped[1]


def test_export_writes_mastodon_columns_and_reads_back_the_same_rules():
    rules = [("b.example", "block", "spam, lots"), ("a.example", "silence", ""), ("m.example", "reject_media", "x"),
             ("partner.example", "allow", "")]
    text = render_blocklist(rules)
    assert text.splitlines()[0] == HEADER
    assert text.splitlines()[1] == "a.example,silence,false,false,,false"
    assert {(r.domain, r.action, r.reason) for r in parse_blocklist(text).rules} == set(rules[:3])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "first line must be the header"),
        ("spam.example,suspend\n", "first line must be the header"),
        (f"{HEADER}\nspam.example,nuke,false,false,,false\n", "line 2: unknown severity 'nuke'"),
        (f"{HEADER}\nok.example,suspend\nhttps://bad.example/,suspend\n", "line 3:"),
        (f"{HEADER}\nbad.example,suspend,maybe\n", "line 2: 'maybe' is not true or false"),
    ],
)
def test_malformed_files_are_refused_with_the_line_that_is_wrong(text, message):
    with pytest.raises(BadRequest, match=message):
        parse_blocklist(text)


def test_only_a_domain_column_means_suspend_and_a_later_row_for_a_domain_wins():
    parsed = parse_blocklist("#domain\nA.example\nb.example\na.example.\n")
    assert [(r.domain, r.action) for r in parsed.rules] == [("a.example", "block"), ("b.example", "block")]
