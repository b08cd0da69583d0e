"""Test helper: submit a form as a browser would, from the page that shows it: only the fields the page sends.

A test that posts a field name the page does not have fails here, instead of passing against a handler that
reads the name the test expected (the name form that saved an empty name passed that way)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

HTML = {"Accept": "text/html"}


@dataclass
class PageForm:
    action: str
    fields: dict[str, str] = field(default_factory=dict)  # what the browser would send as the page stands
    controls: set[str] = field(default_factory=set)  # every named control, sent or not (unticked boxes)
    buttons: list[tuple[str, str | None, str]] = field(default_factory=list)  # (text, name, value)


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[PageForm] = []
        self._button: list | None = None
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        name = attributes.get("name")
        if tag == "form":
            self.forms.append(PageForm(action=attributes.get("action") or ""))
        elif not self.forms:
            return
        elif tag == "button":
            self._button = ["", name, attributes.get("value") or ""]
        elif tag == "input" and name:
            self._input(attributes, name)
        elif tag in ("textarea", "select") and name:
            self.forms[-1].controls.add(name)
            self.forms[-1].fields.setdefault(name, "")
            self._textarea = name if tag == "textarea" else None
            self._select = name if tag == "select" else None
        elif tag == "option" and self._select is not None and "selected" in attributes:
            self.forms[-1].fields[self._select] = attributes.get("value") or ""

    def _input(self, attributes: dict, name: str) -> None:
        form = self.forms[-1]
        form.controls.add(name)
        kind = attributes.get("type", "text")
        if kind in ("checkbox", "radio"):
            if "checked" in attributes:
                form.fields[name] = attributes.get("value") or "on"
        elif kind not in ("submit", "button"):
            form.fields[name] = attributes.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "button" and self._button is not None and self.forms:
            text, name, value = self._button
            self.forms[-1].buttons.append((" ".join(text.split()), name, value))
            self._button = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._button is not None:
            self._button[0] += data
        elif self._textarea is not None and self.forms:
            self.forms[-1].fields[self._textarea] += data


def forms_on(page: str) -> list[PageForm]:
    parser = _Forms()
    parser.feed(page)
    return parser.forms


def pick(page: str, button: str, naming: str = "") -> tuple[PageForm, tuple[str, str | None, str]]:
    """The one form with a button whose text starts with `button` (and contains `naming`), and that button."""
    found = [
        (form, b) for form in forms_on(page) for b in form.buttons if b[0].startswith(button) and naming in b[0]
    ]
    assert len(found) == 1, (button, [b[0] for form in forms_on(page) for b in form.buttons])
    return found[0]


async def submit(
    client, path: str, button: str, fill: dict | None = None, untick: tuple[str, ...] = (), naming: str = ""
):
    """GET `path`, fill the form whose button reads `button…` (only fields it has; `naming`: a text the button
    also contains, e.g. the person it acts on) and press that button."""
    async with client.get(path, headers=HTML, allow_redirects=False) as response:
        assert response.status == 200, (path, response.status)
        page = await response.text()
    form, (_, name, value) = pick(page, button, naming)
    data = dict(form.fields)
    for key, typed in (fill or {}).items():
        assert key in form.controls, f"the form of {button!r} on {path} has no field {key!r}: {sorted(form.controls)}"
        data[key] = typed
    for key in untick:
        data.pop(key, None)
    if name:
        data[name] = value
    return await client.post(urljoin(path, form.action), data=data, headers=HTML, allow_redirects=False)
