"""The fast origin parser agrees with urlsplit on every URL (it only skips work, never changes answers)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from circlefed.protocol.parse import _origin_slow, authority, origin, same_origin

hosts = st.from_regex(r"[A-Za-z0-9.\-]{0,20}", fullmatch=True)
ports = st.one_of(st.just(""), st.integers(min_value=0, max_value=99999).map(lambda p: f":{p}"))
schemes = st.sampled_from(["http", "https", "HTTPS", "ftp", ""])
tails = st.sampled_from(["", "/", "/u/x", "?q=1", "#f", "/a b", "@evil.example/x"])
urls = st.builds(lambda s, h, p, t: f"{s}://{h}{p}{t}", schemes, hosts, ports, tails)


@settings(max_examples=500, deadline=None)
@given(urls)
def test_fast_origin_matches_urlsplit(url):
    assert origin(url) == _origin_slow(url)


def test_attack_7_the_same_server_written_differently_has_one_origin():
    # SPEC: PROTOCOL.md attack 7
    assert authority("https://Clinic.Example.:443/u/x") == "clinic.example"
    assert same_origin("https://clinic.example/a", "https://CLINIC.example:443/b")
    assert not same_origin("https://clinic.example/a", "http://clinic.example/b")
    assert not same_origin("https://clinic.example/a", "https://clinic.example:8443/b")
