"""Root: pure SSRF checks for outbound URLs and addresses (no I/O)."""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Iterable

from yarl import URL

from circlefed.errors import ConfigError, UnsafeUrlError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Python 3.11's is_global misses several of these (multicast, 192.0.0.0/24, NAT64, 6to4, site-local), and
# incomplete lists are exactly how Mastodon, Lemmy and Fedify regressed, so every range is spelled out.
_BLOCKED_V4 = tuple(
    ipaddress.IPv4Network(net)
    for net in (
        "0.0.0.0/8",  # "this network", incl. 0.0.0.0 which Linux routes to localhost
        "10.0.0.0/8",
        "100.64.0.0/10",  # CGNAT
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, cloud metadata
        "172.16.0.0/12",
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",
        "192.88.99.0/24",  # 6to4 relay anycast
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, incl. broadcast
    )
)
_BLOCKED_V6 = tuple(
    ipaddress.IPv6Network(net)
    for net in (
        "::/96",  # unspecified, loopback and the deprecated IPv4-compatible block
        "::ffff:0:0/96",  # IPv4-mapped
        "::ffff:0:0:0/96",  # IPv4-translated
        "64:ff9b:1::/48",  # local-use NAT64
        "100::/64",  # discard
        "2001::/23",  # IETF protocol assignments, incl. Teredo
        "2001:db8::/32",
        "3fff::/20",  # documentation
        "5f00::/16",  # SRv6 SIDs
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local
        "ff00::/8",  # multicast
    )
)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_SIXTOFOUR = ipaddress.IPv6Network("2002::/16")

_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
# WHATWG: a host whose last label is a number is an IPv4 address in some form (2130706433, 0x7f.1, 0177.1).
_NUMERIC_LABEL = re.compile(r"^(?:[0-9]+|0x[0-9a-f]*)$")


def parse_address(text: str) -> IPAddress | None:
    """The address in text (a canonical IP literal, IPv6 zone dropped), or None for anything else."""
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None


def is_public_address(address: IPAddress | str) -> bool:
    """Whether an outbound connection to this address is allowed without an allowlist entry."""
    ip = parse_address(address) if isinstance(address, str) else address
    if ip is None:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return _is_public_v4(embedded)
        return _is_public_v6(ip)
    return _is_public_v4(ip)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address a NAT64 or 6to4 address routes to; these are judged by that address."""
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip in _SIXTOFOUR:
        return ip.sixtofour
    return None


def _is_public_v4(ip: ipaddress.IPv4Address) -> bool:
    return ip.is_global and not ip.is_multicast and not any(ip in net for net in _BLOCKED_V4)


def _is_public_v6(ip: ipaddress.IPv6Address) -> bool:
    if any(ip in net for net in _BLOCKED_V6):
        return False
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_site_local)


class Allowlist:
    """Host names, addresses and CIDRs an operator allows despite being private (e.g. a test peer)."""

    def __init__(self, entries: Iterable[str] = ()) -> None:
        self._hosts: set[str] = set()
        self._networks: list[IPNetwork] = []
        for entry in entries:
            self._add(entry.strip())

    def _add(self, entry: str) -> None:
        try:
            self._networks.append(ipaddress.ip_network(entry, strict=False))
            return
        except ValueError:
            pass
        try:
            self._hosts.add(normalize_host(URL.build(scheme="http", host=entry).raw_host or ""))
        except (ValueError, UnsafeUrlError) as exc:
            raise ConfigError(
                f"private_address_allowlist entry {entry!r} is not a host name, IP address or CIDR"
            ) from exc

    def __bool__(self) -> bool:
        return bool(self._hosts or self._networks)

    def allows_host(self, host: str) -> bool:
        return host in self._hosts

    def allows_address(self, address: IPAddress | str) -> bool:
        ip = parse_address(address) if isinstance(address, str) else address
        if ip is None:
            return False
        return any(ip.version == net.version and ip in net for net in self._networks)


def normalize_host(raw_host: str) -> str:
    """Lowercase, IDNA-encoded (as yarl gives it), one trailing dot stripped; refuses non-DNS shapes."""
    host = raw_host.lower()
    if host.endswith("."):
        host = host[:-1]
    if ":" in host:
        if "%" in host or parse_address(host) is None:
            raise UnsafeUrlError(f"Refusing the malformed IPv6 host {host!r}.")
        return host
    if not host or len(host) > 253:
        raise UnsafeUrlError("Refusing a URL with an empty or overlong host.")
    labels = host.split(".")
    if _NUMERIC_LABEL.match(labels[-1]):
        if parse_address(host) is None:
            raise UnsafeUrlError(f"Refusing the non-canonical numeric host {host!r}.")
        return host
    if not all(_LABEL.match(label) for label in labels):
        raise UnsafeUrlError(f"Refusing the malformed host {host!r}.")
    return host


def check_url(url: str | URL, *, allow_http: bool, allowlist: Allowlist) -> URL:
    """The normalised URL, or UnsafeUrlError if its scheme, userinfo or IP-literal host is not allowed.

    Host names are checked again at connect time by the resolver; this covers what aiohttp never resolves.
    """
    parsed = _parse(url)
    scheme = parsed.scheme.lower()
    if scheme != "https" and not (scheme == "http" and allow_http):
        raise UnsafeUrlError(f"Refusing the URL scheme {scheme or '(none)'!r}.")
    raw_host = parsed.raw_host
    if raw_host is None:
        raise UnsafeUrlError("Refusing a URL without a host.")
    host = checked_host(raw_host, allowlist)
    if host != raw_host:
        parsed = parsed.with_host(host)
    return parsed.with_fragment(None) if parsed.raw_fragment else parsed


# The verdict on a host is pure (no DNS: names are checked again when the connector resolves them), so it
# is kept per (host, allowlist); every request to the same inbox host skips parsing it. Refusals are not kept.
@functools.lru_cache(maxsize=4096)
def checked_host(raw_host: str, allowlist: Allowlist) -> str:
    """The normalised host, or UnsafeUrlError for a malformed host or an IP literal the allowlist does not allow."""
    host = normalize_host(raw_host)
    address = parse_address(host)
    if address is not None and not allowlist.allows_address(address):
        raise UnsafeUrlError(f"Refusing the IP-literal host {host!r}.")
    return host


def _parse(url: str | URL) -> URL:
    if isinstance(url, URL):
        parsed = url
    else:
        # yarl silently drops an empty userinfo ("https://@a.test"); refuse any "@" in the authority instead.
        _, sep, rest = url.partition("://")
        if sep and "@" in re.split(r"[/?#\\]", rest, maxsplit=1)[0]:
            raise UnsafeUrlError("Refusing a URL with user information.")
        try:
            parsed = URL(url)
        except ValueError as exc:
            raise UnsafeUrlError("Refusing an unparsable URL.") from exc
    if parsed.raw_user is not None or parsed.raw_password is not None:
        raise UnsafeUrlError("Refusing a URL with user information.")
    return parsed
