"""Test helper (federation tests): the forms of a served HTML page, read the way a browser reads them, so that a
test posts exactly the fields a page sends (hidden ones and the CSRF token included) with its own choices."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Field:
    name: str
    kind: str  # input type, "textarea" or "select"
    value: str = ""
    checked: bool = False
    options: list[str] = field(default_factory=list)


@dataclass
class PageForm:
    action: str
    method: str
    start: int = 0  # where the form begins in the page (a character offset)
    fields: list[Field] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)  # (name, value) of named submit buttons
    text: str = ""  # what a person reads inside it (labels, button words)

    def value(self, name: str) -> str | None:
        return next((f.value for f in self.fields if f.name == name), None)

    def has(self, name: str) -> bool:
        return any(f.name == name for f in self.fields)

    def names(self) -> list[str]:
        return [f.name for f in self.fields]

    def options(self, name: str) -> list[str]:
        return next((f.options for f in self.fields if f.name == name), [])

    def data(self, choices: dict[str, str | bool] | None = None, button: str | None = None) -> dict[str, str]:
        """What the browser sends: every field as the page set it, then `choices` (True/False tick or clear a
        checkbox; a text for any other field, which must be on the form), then the named `button` if any."""
        sent: dict[str, str] = {}
        for item in self.fields:
            if item.kind in ("checkbox", "radio"):
                if item.checked:
                    sent[item.name] = item.value or "on"
            elif item.kind not in ("submit", "button", "file"):
                sent[item.name] = item.value
        for name, choice in (choices or {}).items():
            assert self.has(name), f"the form {self.action} has no field {name!r}: {self.names()}"
            if choice is True:
                sent[name] = "on"
            elif choice is False:
                sent.pop(name, None)
            else:
                sent[name] = choice
        if button is not None:
            name, value = next((b for b in self.buttons if b[1] == button), (None, None))
            assert name is not None, f"the form {self.action} has no button {button!r}"
            sent[name] = value
        return sent


class _Reader(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[PageForm] = []
        self.links: list[list] = []  # [offset, href, text] of every link
        self._lines = [0]
        for line in html.splitlines(keepends=True):
            self._lines.append(self._lines[-1] + len(line))
        self._textarea: Field | None = None
        self._select: Field | None = None
        self._open = False
        self._link = False

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._lines[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {key: value or "" for key, value in attrs}
        if tag == "a" and attr.get("href"):
            self.links.append([self._offset(), attr["href"], ""])
            self._link = True
        if tag == "form":
            self.forms.append(PageForm(attr.get("action", ""), attr.get("method", "get").lower(), self._offset()))
            self._open = True
            return
        if not self._open:
            return
        form = self.forms[-1]
        if tag == "input" and attr.get("name"):
            kind = attr.get("type", "text").lower()
            if kind == "submit":
                form.buttons.append((attr["name"], attr.get("value", "")))
            else:
                form.fields.append(Field(attr["name"], kind, attr.get("value", ""), "checked" in attr))
        elif tag == "button" and attr.get("name"):
            form.buttons.append((attr["name"], attr.get("value", "")))
        elif tag == "textarea" and attr.get("name"):
            self._textarea = Field(attr["name"], "textarea")
            form.fields.append(self._textarea)
        elif tag == "select" and attr.get("name"):
            self._select = Field(attr["name"], "select")
            form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            value = attr.get("value", "")
            self._select.options.append(value)
            if "selected" in attr or len(self._select.options) == 1:
                self._select.value = value

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._link = False
        if tag == "form":
            self._open = False
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data
        elif self._open:
            self.forms[-1].text += data
        if self._link:
            self.links[-1][2] += data


def read_page(html: str) -> _Reader:
    reader = _Reader(html)
    reader.feed(html)
    reader.close()
    return reader


def _region(html: str, after: str | None, until: str | None) -> tuple[int, int] | None:
    """Where to look: from the text `after` to the next match of the pattern `until` (the next post's words)."""
    if after is None:
        return 0, len(html)
    start = html.find(after)
    if start < 0:
        return None
    found = re.compile(until).search(html, start + len(after)) if until else None
    return start, found.start() if found else len(html)


def find_form(
    html: str, action: str, *, after: str | None = None, until: str | None = None, containing: str | None = None,
    **hidden: str,
) -> PageForm | None:
    """The form posting to `action` (a path, or its end) whose fields have the given values: the first one after
    the text `after` and before the pattern `until` (as a person finds the buttons under a post), or the one whose
    words contain `containing`."""
    region = _region(html, after, until)
    if region is None:
        return None
    for form in read_page(html).forms:
        if form.method != "post" or not region[0] <= form.start < region[1] or not form.action.endswith(action):
            continue
        if containing is not None and containing not in form.text:
            continue
        if all(form.value(name) == str(value) for name, value in hidden.items()):
            return form
    return None


def find_link(
    html: str, *, ending: str = "", after: str | None = None, until: str | None = None, text: str = ""
) -> str | None:
    """The first link (between `after` and `until`, as for find_form) whose address ends with `ending` and whose
    words contain `text`."""
    region = _region(html, after, until)
    if region is None:
        return None
    return next((href for offset, href, words in read_page(html).links
                 if region[0] <= offset < region[1] and href.endswith(ending) and text in words), None)
