"""Web UI: the crisis resources text as HTML: everything escaped, phone numbers as tel: links, web addresses
as https: links (and e-mail addresses as mailto:), so a person in crisis can tap them."""

from __future__ import annotations

import re

from linkify_it import LinkifyIt
from markupsafe import Markup, escape

_LINKS = LinkifyIt()
_SCHEMES = {"", "https:", "http:", "mailto:"}  # "": a bare domain ("samaritans.org"), linked as https
# A run of digits with the separators people write in phone numbers; checked further by _phone_href.
# Hotlines are often short codes (988, 116 123, 112) that phone-number libraries do not take as numbers.
_NUMBER = re.compile(r"(?<![\w/.:+-])\+?\(?\d[\d ().-]{0,22}\d(?![\w/%:])")
_NOT_A_PHONE_AFTER = re.compile(
    r"\s*(?:days?|hours?|hrs?|h|minutes?|mins?|years?|weeks?|months?|people|percent|%|am|pm)\b", re.IGNORECASE
)
_DATE = re.compile(r"\d{1,2}[./-]\d{1,2}[./-]\d{2,4}")
_YEAR = re.compile(r"(?:19|20)\d\d")


def resource_links(text: str | None) -> Markup:
    """The admin's plain text with its links; no markup of theirs survives (it is escaped like any text)."""
    text = text or ""
    html: list[Markup] = []
    position = 0
    for match in _LINKS.match(text) or ():
        if match.schema not in _SCHEMES:
            continue
        html.append(_with_phones(text[position : match.index]))
        href = "https://" + match.url.removeprefix("http://") if match.schema == "" else match.url
        html.append(_anchor(href, match.text))
        position = match.last_index
    html.append(_with_phones(text[position:]))
    return Markup("").join(html)


def _with_phones(text: str) -> Markup:
    html: list[Markup] = []
    position = 0
    for match in _NUMBER.finditer(text):
        href = _phone_href(match.group(), text[match.end() :])
        if href is None:
            continue
        html.append(escape(text[position : match.start()]))
        html.append(_anchor(href, match.group()))
        position = match.end()
    html.append(escape(text[position:]))
    return Markup("").join(html)


def _phone_href(number: str, after: str) -> str | None:
    """tel:+441234… for something that reads as a phone number; None for a year, a date, a range, "365 days"."""
    digits = re.sub(r"\D", "", number)
    grouped = bool(re.search(r"[ ().-]", number.strip("()")))
    if not 3 <= len(digits) <= 15 or _DATE.fullmatch(number) or _NOT_A_PHONE_AFTER.match(after):
        return None
    if len(digits) < 5 and (grouped or _YEAR.fullmatch(digits)):  # "9-17", "2024"
        return None
    if number.startswith("+"):
        return "tel:+" + re.sub(r"\D", "", number.replace("(0)", ""))
    return "tel:" + digits


def _anchor(href: str, label: str) -> Markup:
    return Markup('<a href="{}">{}</a>').format(href, label)
