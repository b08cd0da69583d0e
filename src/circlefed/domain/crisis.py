"""Domain: crisis-language detection: text normalised (case, quotes, contractions, slang, letter/number swaps)
and matched against the curated English phrases (domain/crisis_phrases.py) and the admin's own terms."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from circlefed.domain import crisis_phrases
from circlefed.domain.crisis_phrases import FIRST_PERSON_WORDS, OTHER_PEOPLE

_QUOTES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'", "＇": "'", "“": '"', "”": '"', "„": '"'})
_LEET = str.maketrans("0134579@$!|", "oieastgasii")
_LEETABLE = re.compile(r"[0134579@$!|]")
_TOKEN = re.compile(r"\S+")
_RAW = {"no1": "no one", "2nite": "tonight", "2night": "tonight", "2day": "today", "2": "to", "4": "for"}
_RAW_RE = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, _RAW)) + r")(?!\w)")
_OD = re.compile(r"(?<!\w)o\.d(?:\.|(?!\w))")
_CONTRACTIONS = (
    (re.compile(r"\bwon't\b"), "will not"),
    (re.compile(r"\bcan't\b"), "can not"),
    (re.compile(r"n't\b"), " not"),
    (re.compile(r"'m\b"), " am"),
    (re.compile(r"'re\b"), " are"),
    (re.compile(r"'ve\b"), " have"),
    (re.compile(r"'ll\b"), " will"),
    (re.compile(r"'d\b"), " would"),
    (re.compile(r"'s\b"), " is"),
)
# Sentence ends, quotes, brackets, commas and "but" end a clause: "used to" in one does not excuse the next.
_CLAUSE_BREAK = re.compile(r'[.!?;:\n"()\[\]…,]+|\s(?:but|though|although)\s')
_NON_WORD = re.compile(r"[\W_]+")
_KEEPS_ON = re.compile(r"\b(?:can|could) not (?:stop|help)\b")
_LETTER_RUN = re.compile(r"([^\W\d_])\1{2,}")  # "dieeee", "killll"
_WORDS = {
    # contractions typed without the apostrophe
    "dont": "do not", "doesnt": "does not", "didnt": "did not", "cant": "can not", "cannot": "can not",
    "wont": "will not", "isnt": "is not", "arent": "are not", "wasnt": "was not", "werent": "were not",
    "wouldnt": "would not", "couldnt": "could not", "shouldnt": "should not", "havent": "have not",
    "aint": "is not", "im": "i am", "ive": "i have", "id": "i would", "iam": "i am", "theres": "there is",
    "whats": "what is", "thats": "that is", "everyones": "everyone is", "theyd": "they would",
    "idk": "i do not know", "idc": "i do not care",
    # slang
    "wanna": "want to", "wana": "want to", "gonna": "going to", "gona": "going to", "gotta": "got to",
    "tryna": "trying to", "imma": "i am going to", "ima": "i am going to", "rn": "right now", "tonite": "tonight",
    "u": "you", "ur": "your", "r": "are", "too": "to", "bout": "about", "abt": "about", "nobody": "no one",
    "noone": "no one", "everybody": "everyone", "kms": "kill myself", "unalive": "kill", "unaliving": "killing",
    "sewerslide": "suicide", "selfharm": "self harm", "selfharming": "self harming", "sh": "self harm",
    "od": "overdose", "oding": "overdosing",
    # common misspellings and dropped g's
    "suicde": "suicide", "sucide": "suicide", "suiside": "suicide", "suicid": "suicide", "suicie": "suicide",
    "suicdal": "suicidal", "sucidal": "suicidal", "suicidial": "suicidal", "suisidal": "suicidal",
    "sucidial": "suicidal", "myslef": "myself", "mysef": "myself", "meself": "myself", "kil": "kill",
    "wnat": "want", "lfe": "life", "thinkin": "thinking", "killin": "killing", "cuttin": "cutting",
    "hurtin": "hurting", "dyin": "dying", "livin": "living", "tryin": "trying", "dieing": "dying",
    "overdoes": "overdose", "overdoze": "overdose",
}
_PHRASES = ((re.compile(r"\bmy self\b"), "myself"), (re.compile(r"\b(?:any|no) more\b"), "anymore"),
            (re.compile(r"\bsewer slide\b"), "suicide"), (re.compile(r"\bo d\b"), "overdose"))


def normalise(text: str) -> list[str]:
    """The text's clauses as the phrases read them: lowercase words, one space apart, contractions spelt out."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_QUOTES)
    text = _OD.sub(" od ", _RAW_RE.sub(lambda m: _RAW[m.group()], text))
    text = _TOKEN.sub(lambda m: _unleet(m.group()), text)
    for pattern, spelt in _CONTRACTIONS:
        text = pattern.sub(spelt, text)
    clauses = (_clause(part.replace("'", "")) for part in _CLAUSE_BREAK.split(text))
    return [clause for clause in clauses if clause]


def _unleet(token: str) -> str:
    """"d1e" → "die", "su!c!de" → "suicide", "0d" → "od": digits inside a word, and symbols before a letter."""
    if not _LEETABLE.search(token) or not any(char.isalpha() for char in token):
        return token
    chars = list(token)
    for index, char in enumerate(chars):
        before_letter = index + 1 < len(chars) and chars[index + 1].isalpha()
        if char.isdigit() or before_letter:
            chars[index] = char.translate(_LEET)
    return "".join(chars)


def _clause(part: str) -> str:
    words = (_LETTER_RUN.sub(r"\1", word) for word in _NON_WORD.sub(" ", part).split())
    clause = " ".join(_WORDS.get(word, word) for word in words)
    for pattern, spelt in _PHRASES:
        clause = pattern.sub(spelt, clause)
    return clause


def sounds_like_crisis(text: str, terms: tuple[str, ...] = (), *, phrases: bool = True) -> bool:
    """Whether the text matches a curated phrase (`phrases`) or one of the admin's `terms` (whole words, after
    the same normalising, in any clause)."""
    clauses = normalise(text)
    if phrases and any(_phrase_in(clause) for clause in clauses):
        return True
    return any(term.search(clause) for term in _term_patterns(terms) for clause in clauses)


def _phrase_in(clause: str) -> bool:
    if _NOT_NOW.search(clause):
        return False
    for pattern in _FIRST_PERSON:
        if any(not _negated(clause, found.start()) for found in pattern.finditer(clause)):
            return True
    for pattern in _OPEN:
        for found in pattern.finditer(clause):
            if not _negated(clause, found.start()) and not _about_someone_else(clause, found.start()):
                return True
    return False


def _negated(clause: str, start: int) -> bool:
    """"i am not going to hurt myself", "helped me stop wanting to die": a no shortly before the phrase."""
    before = _KEEPS_ON.sub("", clause[:start])  # "i can not stop thinking about dying" is no denial
    return not {"not", "never", "no", "stop", "stopped"}.isdisjoint(before.split()[-3:])


def _about_someone_else(clause: str, start: int) -> bool:
    for word in reversed(clause[:start].split()):
        if word in FIRST_PERSON_WORDS:
            return False
        if word in OTHER_PEOPLE:
            return True
    return False


@lru_cache(maxsize=64)
def _term_patterns(terms: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    spelt = (" ".join(normalise(term)) for term in terms)
    return tuple(re.compile(r"(?<!\w)" + re.escape(term) + r"(?!\w)") for term in spelt if term)


def _compile(groups: dict[str, tuple[str, ...]]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(crisis_phrases.expand(p)) for patterns in groups.values() for p in patterns)


_FIRST_PERSON = _compile(crisis_phrases.FIRST_PERSON)
_OPEN = _compile(crisis_phrases.OPEN)
_NOT_NOW = re.compile(crisis_phrases.NOT_NOW)
