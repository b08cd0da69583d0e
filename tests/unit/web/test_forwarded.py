"""The client's address behind trusted reverse proxies (web.trusted_proxies): read from X-Forwarded-For only when
the request comes from a trusted proxy, walking from the right; never what a client claims for itself."""

import pytest

from circlefed.errors import ConfigError
from circlefed.settings import load_settings
from circlefed.web.forwarded import client_address, proxy_networks

LOCAL = proxy_networks(["127.0.0.1", "::1"])
CHAIN = proxy_networks(["127.0.0.1", "10.0.0.0/8"])


@pytest.mark.parametrize(
    ("remote", "forwarded", "proxies", "client"),
    [
        ("127.0.0.1", ["203.0.113.7"], LOCAL, "203.0.113.7"),  # nginx on the same machine
        ("127.0.0.1", ["198.51.100.1, 203.0.113.7"], LOCAL, "203.0.113.7"),  # the client's own claim is ignored
        ("127.0.0.1", ["198.51.100.1", "203.0.113.7"], LOCAL, "203.0.113.7"),  # two header lines
        ("127.0.0.1", ["203.0.113.7, 10.1.2.3"], CHAIN, "203.0.113.7"),  # two proxies
        ("127.0.0.1", ["[2001:db8::7]:4711"], LOCAL, "2001:db8::7"),
        ("127.0.0.1", ["203.0.113.7:4711"], LOCAL, "203.0.113.7"),
        ("127.0.0.1", ["203.0.113.7, garbage"], LOCAL, "127.0.0.1"),  # unreadable: nothing left of it is believed
        ("127.0.0.1", [], LOCAL, "127.0.0.1"),
        ("127.0.0.1", ["127.0.0.1"], LOCAL, "127.0.0.1"),  # a client on the machine itself
        ("198.51.100.9", ["203.0.113.7"], LOCAL, "198.51.100.9"),  # not from a proxy: its header means nothing
        ("127.0.0.1", ["203.0.113.7"], (), "127.0.0.1"),  # no proxies configured
    ],
)
def test_the_client_is_the_last_address_no_trusted_proxy_added(remote, forwarded, proxies, client):
    assert client_address(remote, forwarded, proxies) == client


def test_trusted_proxies_must_be_addresses_or_networks(tmp_path):
    config = tmp_path / "circlefed.toml"
    config.write_text('[web]\ntrusted_proxies = ["127.0.0.1", "nginx.local"]\n')
    with pytest.raises(ConfigError, match=r"'web\.trusted_proxies' lists 'nginx\.local'"):
        load_settings(config, environ={})
