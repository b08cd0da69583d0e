"""Unit tests of the policy room: domain rules, confidentiality verdicts, rate limits, blocklist import."""
