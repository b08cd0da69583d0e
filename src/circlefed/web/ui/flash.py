"""Web UI: flash messages kept in the session until the next page shows them once."""

from __future__ import annotations

from aiohttp import web
from aiohttp_session import SESSION_KEY, get_session

_FLASH = "flash"
KINDS = ("info", "error")
_PENDING = web.RequestKey("circlefed_flashes_pending", list)
_POPPED = web.RequestKey("circlefed_flashes_popped", list)


def flash(request: web.Request, message: str, kind: str = "info") -> None:
    """Remember a message for the next page the person sees (kind: info or error)."""
    if kind not in KINDS:
        raise ValueError(f"unknown flash kind {kind!r}")
    request.setdefault(_PENDING, []).append([kind, message])


async def save_flashes(request: web.Request) -> None:
    """Move this request's new messages into the session (the UI middleware calls this after the handler)."""
    pending = request.get(_PENDING)
    if pending:
        session = await get_session(request)
        session[_FLASH] = [*session.get(_FLASH, []), *pending]
        request[_PENDING] = []


def pop_flashes(request: web.Request) -> list[dict[str, str]]:
    """The waiting messages, removed from the session (each is shown once; the same list again in this request).

    The session must be loaded already (render() and the UI middleware load it).
    """
    if _POPPED not in request:
        session = request.get(SESSION_KEY)
        request[_POPPED] = session.pop(_FLASH) if session is not None and _FLASH in session else []
    request[_POPPED] += request.get(_PENDING, [])
    request[_PENDING] = []
    return [{"kind": kind, "message": message} for kind, message in request[_POPPED]]


def restore_flashes(request: web.Request) -> None:
    """Put back messages popped by this request (it redirected instead of showing a page)."""
    messages = request.get(_POPPED)
    session = request.get(SESSION_KEY)
    if messages and session is not None:
        session[_FLASH] = [*messages, *session.get(_FLASH, [])]
        request[_POPPED] = []
