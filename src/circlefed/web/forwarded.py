"""Web: the client's address behind trusted reverse proxies (web.trusted_proxies), read from X-Forwarded-For so
that per-address limits (sign-in) count people, not the proxy; a client's own X-Forwarded-For is never believed."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from aiohttp import web

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def proxy_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    """The web.trusted_proxies entries (validated by settings) as networks."""
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def client_address(remote: str | None, forwarded_for: Iterable[str], proxies: tuple[Network, ...]) -> str | None:
    """Who connected, seen through the proxies: walking X-Forwarded-For from the right (the hop the nearest proxy
    added), the first address that is not a trusted proxy. A request not from a proxy keeps its own address; an
    unreadable hop ends the walk at the last trusted one (anything left of it could be forged)."""
    if not proxies or not _trusted(remote, proxies):
        return remote
    hops = [hop.strip() for header in forwarded_for for hop in header.split(",") if hop.strip()]
    seen = remote
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            return seen
        seen = address
        if not _trusted(address, proxies):
            return address
    return seen


def _address(hop: str) -> str | None:
    """An address as proxies write it: `203.0.113.7`, `2001:db8::1`, `[2001:db8::1]:4711` or `203.0.113.7:4711`."""
    text = hop[1:].partition("]")[0] if hop.startswith("[") else hop
    if text.count(":") == 1:  # IPv4 with a port
        text = text.partition(":")[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def _trusted(address: str | None, proxies: tuple[Network, ...]) -> bool:
    try:
        parsed = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(parsed in network for network in proxies)


def forwarded_client(proxies: tuple[Network, ...]):
    """Middleware (first in the chain): later middlewares and handlers see the client's address as remote."""

    @web.middleware
    async def middleware(request: web.Request, handler):
        client = client_address(request.remote, request.headers.getall("X-Forwarded-For", []), proxies)
        return await handler(request if client == request.remote else request.clone(remote=client))

    return middleware
