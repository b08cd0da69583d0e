"""Domain: the curated English crisis phrases (regular expressions over normalised text, see domain/crisis.py).

Each pattern reads text as domain/crisis.normalise leaves it: lowercase words separated by one space, contractions
spelt out ("do not", "i am", "can not"), slang and common misspellings mapped to one word ("kms" → "kill
myself", "od" → "overdose", "suicde" → "suicide"). Patterns are phrases, never single words: "suicide" alone is
what a grieving sibling or a prevention volunteer writes too.

FIRST_PERSON patterns speak of the writer by their words ("myself", "without me", "my life"). OPEN patterns
("want to die", "thinking about suicide") are held only when the nearest subject before them is not someone
else ("she wants to die", "my son has been thinking about suicide").
"""

from __future__ import annotations

_MACROS = {
    "<INTENT>": (
        r"(?:want to|wanted to|going to|planning to|plan to|about to|ready to|decided to|need to|have to|"
        r"urge to|urges to|tempted to|will|might|feel like|thinking about|thinking of|think about|keep|"
        r"wanting to|close to|scared i will|afraid i will|scared i am going to|afraid i am going to)"
    ),
    # Wanting, planning or fearing an act, a few words before it: "keep wanting to", "so close to finally".
    "<DESIRE>": (
        r"\b(?:want|wants|wanting|wanted|going|plan|plans|planning|about|ready|decided|need|needing|urge|urges|"
        r"tempted|keep|close|wish|wishing)\b(?: \w+){0,3}?"
    ),
    "<ANYMORE>": r"(?:anymore|much longer|for much longer)",
    "<MEDS>": r"(?:pills|meds|tablets|medication|medicine|paracetamol|tylenol|painkillers|insulin|sleeping pills)",
    "<LIVE>": r"(?:live|living|go on|going on|keep going|keep living|be alive|being alive|stay alive|exist|existing)",
    "<PLACE>": r"(?:bridge|building|roof|train|bus|car|truck|lorry|cliff|balcony|tower|overpass|window|traffic)",
}

FIRST_PERSON: dict[str, tuple[str, ...]] = {
    "suicidal ideation": (
        r"\b(?:kill|killing|end|ending|hang|hanging|shoot|shooting|drown|drowning|poison|poisoning|gas|suffocate) "
        r"myself\b",
        r"\b(?:end|ending|take|taking) my (?:own )?life\b",
        r"\bwish i (?:\w+ ){0,3}?(?:was dead|were dead|be dead|not exist|did not exist|never existed|stop existing"
        r"|was gone|were gone|disappear forever|never wake up|not wake up|was never born|were never born)\b",
        r"\b(?:want|wants|wanted) to be dead\b",
        r"\brather be dead\b",
        r"\bwish i (?:had|would have) never been born\b|\bwish i (?:was|were) never born\b",
        r"\b(?:and|to) (?:not|never) wake up\b(?! the| my| your| him| her| them| anyone| everyone| early)"
        r"|\bhope i (?:do not|never) wake up\b|\bdo not want to wake up\b",
        r"\bsleep forever\b|\bdisappear(?:ed)? forever\b|\bstop existing\b",
        r"\b(?:do not|no longer|do not even) want to (?:keep )?<LIVE>\b"
        r"(?! in | near | there| abroad| alone| at | on | next | with (?:him|her|them|my))",
        r"\b(?:do not|no longer) want to be here <ANYMORE>",
        r"\bdo not deserve to (?:live|be alive|exist|be here)\b",
        r"\bi (?:should|might as well) (?:just )?(?:die|be dead)\b|\bi should be dead\b",
        r"\bwhy can not i (?:just )?die\b|\bwhy am i (?:even |still )?alive\b",
        r"\bwant (?:it|it all|everything) to (?:end|stop|be over)\b|\bwant to not (?:be alive|exist|live|be here)\b"
        r"|\bwant out of (?:this |my )?life\b|\bend (?:my|all my) suffering\b",
        r"\b(?:picturing|imagining|see) myself (?:hanging|dead|dying|jumping)\b",
        r"\b(?:lost|have no|no) (?:the )?will to live\b",
    ),
    "plans": (
        r"\bmy suicide (?:note|letter|plan)s?\b|\bplanning my (?:suicide|death)\b",
        r"\b(?:set|picked|chose|chosen) (?:a|the) (?:date|day|time) to (?:die|end it|do it)\b",
        r"\b(?:night|day) i (?:end it|die|do it)\b"
        r"|\bend (?:it|things|everything) (?:tonight|today|now|soon|for good|once and for all)\b",
        r"\bexcept (?:ending it|dying|death|suicide|killing myself)\b"
        r"|\b(?:only|best|last) (?:option|answer|solution|way out|choice)(?: left)? (?:is )?(?:to )?"
        r"(?:die|dying|death|suicide|end it|ending it|end my life)\b",
        r"\bthis (?:is|will be|is going to be) my (?:last|final) (?:post|message|goodbye|words)\b"
        r"(?! before| for| of| until| till| today| this| here for)",
        r"\b(?:will not|not going to) be (?:here|around|alive) (?:tomorrow|much longer|for long|by morning)\b",
        r"\bgoodbye (?:forever|cruel world)\b|\b(?:final|last) goodbyes?\b",
        r"\bgiving away my (?:things|stuff|belongings|possessions)\b",
        r"\bstanding on (?:the|a) (?:ledge|edge|railing|roof)\b",
        r"\b(?:pills|tablets|knife|blade|razor|rope|gun) (?:is |are )?(?:in front of me|in my hands?)\b",
        r"\b(?:drive|crash|driving|crashing) my car (?:into|off) (?:a|the)\b",
        r"\b(?:tie|tied|tying|made|make|making) a noose\b",
        r"\bhow to (?:overdose|kill myself|die|end my life|commit suicide|hang myself)\b",
    ),
    "self-harm": (
        r"<DESIRE> (?:cut|hurt|harm|burn|scratch|hit|punish) myself\b(?! a | an | some | off| loose| free| out)",
        r"\b<INTENT> cut (?:tonight|again|today|right now|later|so bad|so badly|really bad)\b",
        r"\b(?:afraid|scared|worried|terrified) (?:that )?(?:i (?:will|might|am going to|would)|ill) "
        r"(?:hurt|harm|cut|kill) myself\b(?! lifting| running| doing| at | on | in | if | when | with )",
        r"\b(?:cut|hurt|burned|burnt|harmed) myself again\b",
        r"\b(?:took|taken|swallowed|overdosed|cut myself|hurt myself|burned myself|burnt myself)\b(?: \w+){0,4} "
        r"(?:on purpose|deliberately|intentionally)\b",
        r"\b(?:cutting|hurting|harming|burning|scratching) myself\b",
        r"\b(?:slit|slitting|slash|slashing|cut|cutting) my (?:wrists?|throat)\b",
        r"\buntil (?:i|it) bleeds?\b",
    ),
    "overdose": (
        r"\b(?:swallow|swallowed|swallowing) (?:all|a handful of|a whole bottle of|the whole bottle of|every"
        r"|everything)\b",
        r"\b<INTENT> (?:take|swallow) (?:all|every one of|every|every single) (?:of )?(?:my|the|these|those)? ?"
        r"(?:<MEDS>|pill|tablet)",
        r"\benough <MEDS>\b(?: \w+){0,3} (?:to do it|to die|to end it|to kill me|to not wake up)\b"
        r"|\b<MEDS> (?:saved|stashed|hidden) (?:up )?(?:to|for)\b",
        r"\btake (?:them|it|all of them|all my <MEDS>) (?:all )?(?:at once|in one go|together)\b",
        r"\b(?:a|the) (?:whole|entire) (?:bottle|pack|packet|box|strip) of <MEDS>",
        r"\b(?:saving|saved|stockpiling|stockpiled|hoarding|collecting|stashing) (?:up )?(?:my )?<MEDS>",
        r"\bhow (?:many|much)\b(?: \w+){0,6} (?:to die|kill me|to kill myself|to overdose|to not wake up)\b",
        r"\b(?:what is|how much is|how much for|enough for) (?:a|the) lethal dose\b",
    ),
    "hopelessness": (
        r"\b(?:better|happier|easier)(?: off)? (?:dead|without me|if i (?:\w+ ){0,2}?(?:was dead|were dead|was gone"
        r"|were gone|died|disappeared|vanished|was not here|were not here|was not around|never existed|was never born"
        r"|had never been born))\b",
        r"\bno one (?:\w+ ){0,2}?(?:miss|misses|notice|notices|care|cares|mourn|cry)(?: me\b| if i\b| whether i\b"
        r"| when i\b| that i\b)",
        r"\bno (?:reason|reasons|point|will) (?:to|in|for) <LIVE>\b",
        r"\bwhat is the point (?:of|in) (?:living|life|going on|being alive|anything anymore|trying anymore)\b",
        r"\b(?:do not|can not|does not) (?:see|find) (?:the|any) (?:point|reason) (?:in|of|to|for) (?:keep )?<LIVE>\b",
        r"\b(?:see|find) no (?:point|reason) (?:in|of|to|for) (?:keep )?<LIVE>\b",
        r"\bnothing (?:left )?to live for\b",
        r"\b(?:life|living) (?:is not|is no longer|not|is never) worth (?:living|it)\b",
        r"\blife is (?:pointless|meaningless|worthless|over)\b|\bmy life has no (?:meaning|point|purpose)\b",
        r"\b(?:tired|sick) of (?:living|being alive|life|existing|waking up)\b",
        r"\bdone with (?:life|living|being alive|it all)\b|\bgiv(?:e|en|ing) up on (?:life|living)\b",
        r"\bno way out\b(?! of)",
    ),
}

OPEN: dict[str, tuple[str, ...]] = {
    "suicidal ideation": (
        r"\b(?:want|wants|wanting|wish|need|deserve|like|ready) (?:to )?(?:just |really |finally |simply )?die\b"
        r"(?! of| laughing| on this hill| for)",
        r"\bend(?:ing)? it all\b",
        r"\b(?:feel|feeling|am|been|getting|so|really|very|pretty|super|kinda|bit|little|too|extremely|quite|"
        r"actively|always|still) suicidal\b",
        r"\b(?:having|have|get|getting|got|with|my) suicidal (?:thoughts|feelings|ideation|urges)\b",
        r"\bsuicidal (?:thoughts |feelings |urges )?(?:again|tonight|today|right now|lately|all the time|every day"
        r"|are back|is back|will not stop|keep coming)\b",
        r"\bsuicide (?:is|feels|seems|looks)(?: like)? (?:all i|the only|my only|the answer|my answer|the way out"
        r"|my way out|the best|my best)\b",
        r"\b(?:think|thinking|thoughts|considering|contemplating|planning|researching) (?:about |of )?"
        r"(?:suicide|killing myself|ending my life|ending it all|ending it|taking my (?:own )?life|overdosing|dying)\b"
        r"(?! with)",
    ),
    "plans": (
        r"\b<INTENT> (?:commit|attempt) suicide\b",
        r"\b(?:wrote|writing|written|write|left|leave) (?:a|my) (?:suicide|goodbye) (?:note|letter)s?\b",
        r"\b(?:wrote|writing|written) goodbye (?:notes|letters)\b",
        r"\b<INTENT> (?:jump|step|throw myself) (?:off|from|in front of|under|into) (?:a|the|my) <PLACE>\b",
        r"\b(?:jumping|stepping|throwing myself) (?:off|from|in front of|under|into) (?:a|the|my) <PLACE>\b",
    ),
    "self-harm": (
        r"\b(?:cutting|cut|self harming|self harmed|self harm|harming|burning) again\b",
        r"\b(?:i|am|been|started|keep|<INTENT>) self harm(?:ing)?\b",
        r"\burges? to (?:cut|self harm|hurt myself|harm myself|burn)\b",
        r"\brelaps(?:e|ed|ing) (?:on |into |with |and )?(?:self harm|cutting|cut|hurting|harming)\b",
        r"\bcutting my (?:arms?|legs?|thighs?|wrists?|skin|stomach)\b",
    ),
    "hopelessness": (
        r"\bburden (?:to|on|for) (?:everyone|my family|all of them|them all|everybody)\b",
        r"\bcan not (?:go on|keep going|carry on|do this|take it|take this|live like this|keep living|cope)"
        r"(?: like this)? <ANYMORE>",
        r"\bcan not keep (?:living|going) like this\b",
    ),
    "overdose": (r"\b(?:<INTENT>|to) (?:overdose|overdosing)\b(?! by accident| accidentally| prevention| risk)",),
}

# A clause with one of these speaks of the past, of recovery or to someone else: its phrases do not hold a post.
# (Admin terms are not subject to them.)
NOT_NOW = (
    r"\bused to\b|\b(?:years|months|a year|a long time) (?:ago|back)\b|\blast year\b|\bin the past\b|\bback then\b"
    r"|\bback when\b|\bat the time\b|\bwhen i was\b|\bi thought (?:no one|everyone|i would)\b|\bmade it through\b"
    r"|\b(?:years|months) (?:clean|free|sober)\b|\b(?:clean|free) (?:for|since)\b|\btalk of\b|\bwarning signs\b"
    r"|\bif you\b|\bif someone\b|\bif a friend\b|\basked (?:me )?(?:if|whether)\b|\bin (?:19|20)\d\d\b"
)

# The nearest of these before an OPEN phrase is its subject.
FIRST_PERSON_WORDS = frozenset({"i", "me", "my", "myself"})
OTHER_PEOPLE = frozenset(
    {
        "he", "she", "they", "you", "hes", "shes", "theyre", "youre", "his", "her", "their", "him", "them", "someone",
        "somebody", "people", "who", "friend", "friends", "brother", "sister", "son", "daughter", "mum", "mom", "dad",
        "father", "mother", "husband", "wife", "partner", "boyfriend", "girlfriend", "gf", "bf", "cousin", "uncle",
        "aunt", "grandfather", "grandmother", "grandma", "grandpa", "kid", "kids", "child", "children", "teen",
        "teenager", "patient", "client", "character", "colleague", "person", "anyone",
    }
)


def expand(pattern: str) -> str:
    """A pattern with its <MACROS> written out."""
    for name, value in _MACROS.items():
        pattern = pattern.replace(name, value)
    return pattern
