"""Pure SSRF checks: schemes, userinfo, host normalisation, IP literals, address classes, allowlist."""

import pytest
from yarl import URL

from circlefed.errors import ConfigError, UnsafeUrlError
from circlefed.http_client import redirect_target
from circlefed.netguard import Allowlist, check_url, is_public_address, normalize_host

NONE = Allowlist()


def check(url: str, *, allow_http: bool = True, allowlist: Allowlist = NONE) -> str:
    return str(check_url(url, allow_http=allow_http, allowlist=allowlist))


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.0.0.2",
        "0.0.0.0",  # noqa: S104
        "0.1.2.3",
        "10.0.0.1",
        "172.16.0.1",
        "192.168.1.1",
        "100.64.0.1",
        "169.254.169.254",
        "192.0.0.8",
        "192.0.2.2",
        "198.18.0.1",
        "198.51.100.1",
        "203.0.113.1",
        "224.0.0.1",
        "239.255.255.250",
        "240.0.0.1",
        "255.255.255.255",
        "::",
        "::1",
        "::ffff:127.0.0.1",
        "::ffff:8.8.8.8",
        "::ffff:0:7f00:1",
        "::7f00:1",
        "fd00::1",
        "fc00::1",
        "fe80::1",
        "fe80::1%eth0",
        "fec0::1",
        "ff02::1",
        "2001:db8::1",
        "2001::1",
        "64:ff9b::7f00:1",
        "64:ff9b::a00:1",
        "64:ff9b:1::1",
        "2002:7f00:1::1",
        "2002:a9fe:a9fe::1",
        "100::1",
        "not-an-address",
    ],
)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert not is_public_address(address)


@pytest.mark.parametrize(
    "address", ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "64:ff9b::808:808", "2002:808:808::1"]
)
def test_public_addresses_are_allowed(address: str) -> None:
    assert is_public_address(address)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
        "http://[::]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://192.168.1.1/",
        "http://100.64.0.1/",
        "http://[fd00::1]/",
        "http://[64:ff9b::7f00:1]/",
        "https://93.184.216.34/",
        "https://1.2.3.4./",
    ],
)
def test_ip_literal_hosts_are_refused(url: str) -> None:
    with pytest.raises(UnsafeUrlError):
        check(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://2130706433/",
        "http://0x7f.1/",
        "http://0x7f000001/",
        "http://017700000001/",
        "http://127.1/",
        "http://0177.0.0.1/",
        "http://127.0.0.01/",
        "http://a.0x7f/",
        "http://[fe80::1%25eth0]/",
    ],
)
def test_non_canonical_numeric_hosts_are_refused_even_when_allowlisted(url: str) -> None:
    with pytest.raises(UnsafeUrlError):
        check(url, allowlist=Allowlist(["127.0.0.0/8", "fe80::/10"]))


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://a.test/",
        "gopher://a.test:70/_x",
        "data:text/plain,hi",
        "javascript:alert(1)",
        "ws://a.test/",
        "/relative/path",
        "a.test/x",
    ],
)
def test_other_schemes_are_refused(url: str) -> None:
    with pytest.raises(UnsafeUrlError):
        check(url)


def test_http_needs_allow_http() -> None:
    with pytest.raises(UnsafeUrlError):
        check("http://a.test/", allow_http=False)
    assert check("https://a.test/", allow_http=False) == "https://a.test/"


@pytest.mark.parametrize(
    "url", ["https://user:pw@a.test/", "https://a.test@b.test/", "https://@a.test/", "https://:@a.test/"]
)
def test_userinfo_is_refused(url: str) -> None:
    with pytest.raises(UnsafeUrlError):
        check(url)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://A.Example.TEST./Path?q=1#frag", "https://a.example.test/Path?q=1"),
        ("https://a.test:8443/x", "https://a.test:8443/x"),
        ("https://Bücher.example/", "https://xn--bcher-kva.example/"),
        ("https://xn--bcher-kva.example./", "https://xn--bcher-kva.example/"),
        ("https://under_score.test/", "https://under_score.test/"),
    ],
)
def test_hosts_are_normalised(url: str, expected: str) -> None:
    assert check(url) == expected


@pytest.mark.parametrize(
    "url", ["https://a.test../", "https://a..b/", "https://-a.test/", "https://a b.test/", "https://./"]
)
def test_malformed_hosts_are_refused(url: str) -> None:
    with pytest.raises(UnsafeUrlError):
        check(url)


def test_normalize_host_lowercases_and_strips_one_dot() -> None:
    assert normalize_host("Peer.TEST.") == "peer.test"


def test_allowlisted_literals_pass() -> None:
    allowlist = Allowlist(["127.0.0.0/8", "::1"])
    assert check("http://127.0.0.1:8080/x", allowlist=allowlist) == "http://127.0.0.1:8080/x"
    assert check("http://[::1]:8080/x", allowlist=allowlist) == "http://[::1]:8080/x"


def test_a_remembered_host_verdict_holds_only_for_its_own_allowlist() -> None:
    allowlist = Allowlist(["127.0.0.0/8"])
    for _ in range(2):  # the second time from the remembered verdicts
        assert check("http://127.0.0.2:8080/a#f", allowlist=allowlist) == "http://127.0.0.2:8080/a"
        assert check("http://PEER.test./b", allowlist=allowlist) == "http://peer.test/b"
        with pytest.raises(UnsafeUrlError):
            check("http://127.0.0.2:8080/a")
        with pytest.raises(UnsafeUrlError):
            check("http://127.0.0.2:8080/a", allowlist=Allowlist(["10.0.0.0/8"]))
        with pytest.raises(UnsafeUrlError, match="user information"):
            check("http://user@127.0.0.2:8080/a", allowlist=allowlist)


def test_ipv4_allowlist_does_not_cover_ipv4_mapped_ipv6() -> None:
    with pytest.raises(UnsafeUrlError):
        check("http://[::ffff:127.0.0.1]/", allowlist=Allowlist(["127.0.0.0/8"]))


def test_allowlist_matches_hosts_addresses_and_cidrs() -> None:
    allowlist = Allowlist(["Peer.Test.", "10.1.2.3", "192.168.0.0/16", "fd00::/8"])
    assert allowlist.allows_host("peer.test")
    assert not allowlist.allows_host("other.test")
    assert allowlist.allows_address("10.1.2.3")
    assert not allowlist.allows_address("10.1.2.4")
    assert allowlist.allows_address("192.168.44.1")
    assert allowlist.allows_address("fd00::2")
    assert not allowlist.allows_address("::ffff:192.168.0.1")
    assert not Allowlist()


@pytest.mark.parametrize("entry", ["not a host", "2130706433", "10.0.0.0/33", "a..b"])
def test_bad_allowlist_entries_are_config_errors(entry: str) -> None:
    with pytest.raises(ConfigError):
        Allowlist([entry])


def test_redirect_may_not_downgrade_https() -> None:
    with pytest.raises(UnsafeUrlError):
        redirect_target(URL("https://a.test/"), URL("http://a.test/x"), allow_http=True, allowlist=NONE)
    upgraded = redirect_target(
        URL("http://a.test/"), URL("https://b.test/x"), allow_http=True, allowlist=NONE
    )
    assert str(upgraded) == "https://b.test/x"
