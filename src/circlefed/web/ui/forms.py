"""Web UI: reading and validating form fields; errors are kept per field for the templates to show."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from multidict import MultiDictProxy


class Form:
    """Submitted fields and the errors found in them: `form.text("title", required=True, max_length=200)`."""

    def __init__(self, data: MultiDictProxy[Any] | dict[str, Any]) -> None:
        self.data = data
        self.values: dict[str, str] = {}
        self.errors: dict[str, str] = {}

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, name: str, message: str) -> None:
        """Record an error for a field (the first one found is kept)."""
        self.errors.setdefault(name, message)

    def raw(self, name: str) -> str:
        value = self.data.get(name, "")
        return value if isinstance(value, str) else ""

    def text(
        self,
        name: str,
        *,
        label: str | None = None,
        required: bool = False,
        min_length: int = 0,
        max_length: int | None = None,
        strip: bool = True,
    ) -> str:
        """The field's text (trimmed unless strip=False); length and presence problems become field errors."""
        value = self.raw(name)
        if strip:
            value = value.strip()
        self.values[name] = value
        what = label or name.replace("_", " ").capitalize()
        if required and not value:
            self.error(name, f"{what} is required.")
        elif value and len(value) < min_length:
            self.error(name, f"{what} must be at least {min_length} characters long.")
        elif max_length is not None and len(value) > max_length:
            self.error(name, f"{what} can be at most {max_length} characters long (it has {len(value)}).")
        return value

    def checkbox(self, name: str) -> bool:
        return self.raw(name) in ("on", "1", "true", "yes")

    def choice(self, name: str, options: tuple[str, ...], *, label: str | None = None) -> str:
        value = self.raw(name).strip()
        self.values[name] = value
        if value not in options:
            self.error(name, f"Choose one of the offered options for {(label or name).lower()}.")
        return value


async def read_form(request: web.Request) -> Form:
    return Form(await request.post())


def as_sentence(message: str) -> str:
    """A domain refusal ("the name is taken") as a sentence for a page ("The name is taken.")."""
    message = message.strip()
    return (message[:1].upper() + message[1:]).rstrip(".") + "."


CONFIRMED = "confirmed"  # the hidden field of a confirmation page (templates/ui/member/confirm.html)


def confirmed(form: Form) -> bool:
    """Whether the form was sent from its confirmation page (a destructive action asks once, on a page)."""
    return form.raw(CONFIRMED) == "yes"
