"""Per-language corrections on top of sentencex's sentence boundaries.

Written by hand because no maintained library does this job: sentencex (fast, ~300 languages) misses
news-style cases such as "и т. д. Стороны", "at 5 p.m. Moscow time", "им. Склифосовского" and lists;
pySBD gets more of them right but is two orders of magnitude slower and is only a test oracle here.

The pass is linear: candidate boundaries are sentencex's own plus every whitespace run after terminal
punctuation and every list marker; each is judged from the token before it and the word after it with
set look-ups (no regex over the whole left context), so the cost per candidate is constant.

Abbreviation classes (keys are lower-cased, without the final period):
  never  -- titles, initials, "i.e.", "им.", "т. е.", "ул.": a capital after them is a name, never split.
  number -- "No.", "p.", "Oct.", "янв.": no split before a number; split before a capital word.
  final  -- "etc.", "руб.", "гг.", "и т. д.": often end a sentence, split before a capital word.
  maybe  -- "Inc.", "Jr.", "St.", "U.S.": split only before a common sentence opener ("The", "He"...),
            otherwise keep sentencex's decision.
Time ("a.m."/"p.m."): split before a capital unless it is a time-zone, weekday, month or "<Word> time"
("at 5 p.m. Moscow time", "at 8 p.m. Tuesday"). Russian "г."/"в." after a number (year, century) are
"final", otherwise ("г. Москва") "never". After a "final"/"maybe"/time abbreviation a fragment of at most
three words ("At 5 a.m.", "В 2010–2012 гг.") is an adverbial opener, never a sentence: no split.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# A boundary candidate: terminal punctuation, optional closers, then whitespace (the boundary is its end).
_CANDIDATE_RE = re.compile(r"[.!?…][.!?…'\"»”’)\]]*\s+")
_RIGHT_WORD_RE = re.compile(r"[\"'«“„‘(\[]*([\w][\w'’&.-]*)")
_CLOSERS = "'\"»”’)]"
_OPENERS = "'\"«“„‘(["
_BULLETS = "•⁃▪◦‣"
_BULLET_RE = re.compile(rf"(?:(?<=\s)|^)[{_BULLETS}]")
_NUM_MARKER_RE = re.compile(r"\d{1,3}\.\s+")
_ROMAN_RE = re.compile(r"[IVXLC]+")
_FIRST_MARKER_RE = re.compile(r"(\d{1,3}|[a-z])\.\s+")
_ALNUM_RE = re.compile(r"[^\W_]")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


@dataclass(frozen=True)
class LanguageRules:
    never: frozenset[str]
    number: frozenset[str]
    final: frozenset[str]
    maybe: frozenset[str]
    starters: frozenset[str]  # words that almost only start sentences, never continue a name
    time_context: frozenset[str] = field(default_factory=frozenset)  # words after "p.m." that continue
    pronoun_i: bool = False  # English "I." is a word, not an initial
    year_abbrs: frozenset[str] = field(default_factory=frozenset)  # "г.": final after a number, else never
    prepositions: frozenset[str] = field(default_factory=frozenset)  # open a dating phrase: "At 5 a.m."
    conjunctions: frozenset[str] = field(default_factory=frozenset)  # "..., что в 1991 г. Москва ..."
    # An abbreviation and the capitalized word that completes it: "3 млн долл. США" is one phrase.
    phrases: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    multipliers: frozenset[str] = field(default_factory=frozenset)  # "2 тыс. га": a number for the unit after it
    unit_prefixes: frozenset[str] = field(default_factory=frozenset)  # "1,5 трлн куб. м.": part of the unit


_EN_MONTHS = "jan feb mar apr jun jul aug sep sept oct nov dec"
EN = LanguageRules(
    never=_words(
        "mr mrs ms messrs dr prof gen gens lt col maj sgt cpl pvt capt cmdr adm brig gov sen sens rep reps "
        "pres rev hon mt ft supt insp amb atty fr msgr vs v i.e e.g cf viz approx ca esq"
    ),
    number=_words(f"no nos vol vols p pp art arts fig figs ch sec para ex ext tel {_EN_MONTHS}"),
    final=_words("etc al may"),  # "may": the month (or the verb) written out, never an abbreviation
    maybe=_words("inc co corp ltd jr sr bros plc st ave blvd rd dept univ"),
    starters=_words(
        "The A An This That These Those It Its He She They We I You His Her Their Our My But And Or So Yet "
        "However Meanwhile Still Also In On At For From By With After Before When While Since If As Although "
        "Though Despite There Here What Why How Who Where Which Some Many Most All Not One Such Then Now "
        "Today Yesterday Officials Police"
    ),
    time_context=_words(
        "GMT UTC EST EDT ET CST CDT CT MST MDT MT PST PDT PT CET CEST EET EEST MSK BST IST JST local "
        "Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June "
        "July August September October November December Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec"
    ),
    pronoun_i=True,
    prepositions=_words("at by in on from until since after before around about near"),
    conjunctions=_words("that when if because whether while"),
)

_RU_MONTHS = "янв фев февр мар апр авг сен сент окт ноя нояб дек"
RU = LanguageRules(
    never=_words(
        "им ген проф акад доц св ул просп пер пл наб пос пгт дер с ст т п ч о оз р тт пп "
        "те тк тн тч втч см ср напр ок прим гос тов проч пр-т ш"
    ),
    number=_words(f"д кв стр рис табл {_RU_MONTHS}"),
    final=_words("тд тп идр ипр руб долл коп тыс чел гг экз шт обл мин сек млн млрд трлн изд"),
    maybe=_words("др"),
    starters=_words(
        "Это Эти Этот Эта Он Она Оно Они Мы Я Вы Но А И Однако Также Кроме Затем Как Так Тогда Там Тем "
        "При По В На С Из За После До Для Если Когда Хотя Поэтому Между Сейчас Сегодня Ранее Теперь Всего "
        "Его Ее Её Их Об Что Кто Где Почему Зачем Ответа"
    ),
    # Year, century and units ("т" tonnes, "м/с"): final after a number, else never ("т. е.", "см. рис. 2").
    year_abbrs=_words("г в м км см мм кг га л т м/с км/ч"),
    prepositions=_words("в во с со к на по до за от из около после через к"),
    conjunctions=_words("что когда как если чтобы где поскольку пока"),
    phrases=frozenset({("долл", "США"), ("долл", "США.")}),
    multipliers=_words("тыс млн млрд трлн"),
    unit_prefixes=_words("куб кв"),
)

RULES: dict[str, LanguageRules] = {"en": EN, "ru": RU}


def _list_marks(text: str) -> tuple[set[int], set[int]]:
    """(positions where a list item starts, positions right after a marker): "1. a 2. b", "a. x b. y", "• x".

    Only a paragraph that starts with the first marker counts as a list, so "It rose 5. The rest" does not.
    """
    starts: set[int] = set()
    after: set[int] = set()
    bullets = _BULLET_RE.finditer(text) if any(ch in text for ch in _BULLETS) else ()  # cheap pre-check
    for m in bullets:
        starts.add(m.start())
        num = _NUM_MARKER_RE.match(text, m.end())
        after.add(num.end() if num else m.end())
    if starts:
        return starts, after
    first = _FIRST_MARKER_RE.match(text)
    if not first:
        return starts, after
    label = first.group(1)
    starts.add(0)
    after.add(first.end())
    pos = first.end()
    while True:
        label = str(int(label) + 1) if label.isdigit() else chr(ord(label) + 1)
        # One search per found item, each from the previous one: linear (re caches the compiled pattern).
        item = re.compile(r"(?<=\s)" + re.escape(label) + r"\.\s+").search(text, pos)
        if not item:
            break
        starts.add(item.start())
        after.add(item.end())
        pos = item.end()
    if len(starts) < 2:
        return set(), set()
    return starts, after


class RuleRefiner:
    """Decides every candidate boundary of one paragraph; ``refine`` returns the sentences as substrings."""

    def __init__(self, rules: LanguageRules) -> None:
        self.rules = rules

    def refine(self, text: str, base: list[str]) -> list[str]:
        proposed: set[int] = set()
        offset = 0
        for piece in base:
            offset += len(piece)
            start = offset + (len(text[offset:offset + 64]) - len(text[offset:offset + 64].lstrip()))
            if 0 < start < len(text):
                proposed.add(start)
        if offset != len(text):  # sentencex rewrote the text: its pieces cannot be mapped, judge alone
            proposed = set()
        candidates = set(proposed)
        candidates.update(m.end() for m in _CANDIDATE_RE.finditer(text) if m.end() < len(text))
        list_starts, after_marker = _list_marks(text)
        candidates.update(p for p in list_starts if p > 0)

        cuts: list[int] = []
        last = 0
        for pos in sorted(candidates):
            if pos in after_marker:
                continue
            if pos in list_starts or self._split(text, pos, pos in proposed, last):
                cuts.append(pos)
                last = pos
        bounds = [0, *cuts, len(text)]
        return [text[a:b] for a, b in zip(bounds, bounds[1:], strict=False) if text[a:b].strip()]

    def _split(self, text: str, pos: int, proposed: bool, last: int) -> bool:
        rules = self.rules
        left = text[max(last, pos - 48) : pos].rstrip()
        if not left:
            return False
        right = text[pos : pos + 48]
        first = right[0]
        # Continuations: punctuation, a dash followed by a lowercase word, any lowercase word.
        if first in ",;:)]}»”’" or first == "." and not right.startswith(". . ."):
            return False
        if first in "—–-":
            rest = right[1:].lstrip()
            return bool(rest) and not rest[0].islower() and proposed
        if not _ALNUM_RE.search(text, last, pos):
            return False  # a "sentence" of punctuation only (". . ." moved to the next sentence)
        if re.match(r"[A-ZА-ЯЁ]\.", right) and re.search(r"(?:^|[\s.(-])[A-ZА-ЯЁ]\.$", left):
            return False  # inside an acronym written without spaces: "D-N.Y.", "U.S."
        m = _RIGHT_WORD_RE.match(right)
        word = m.group(1).rstrip(".") if m else ""
        if word[:1].islower():
            return False
        capital = word[:1].isupper()

        end = left.rstrip(_CLOSERS)
        if end.endswith(("[...", "(...", "[…", "(…")):
            return proposed  # an elision inside a quotation, not a sentence end
        if end.endswith("…"):
            return capital or proposed
        if not end.endswith("."):
            return proposed  # "?" / "!": sentencex's call, lowercase already excluded
        # Ellipses: "word... Next" splits; ". . . ." after a word goes with the next sentence (Golden Rules).
        if right.startswith(". . .") and left[-1:] == "." and left[-2:-1] != " ":
            return bool(re.match(r"(?:\. ){3}\S", right)) and bool(re.match(r"(?:\. ){2,3}[A-Z\"“]", right))
        if end.endswith(". . ."):
            if end.endswith(". . . .") and not end.endswith(" . . . ."):  # "word. . . ." was split before
                return False
            return capital and end.endswith(" . . . .") or proposed and capital
        if end.endswith("..."):
            return capital or proposed

        token = end.rsplit(None, 1)[-1].lstrip(_OPENERS)
        core = token[:-1]
        prev = end[: len(end) - len(token)].rstrip().rsplit(None, 1)
        prev_tok = prev[-1].lower().rstrip(".") if prev else ""
        kind = self._kind(core, prev_tok, end)
        if kind == "never":
            return False
        if kind == "number":
            if word[:1].isdigit() or _ROMAN_RE.fullmatch(word):
                return False
            return capital
        if kind in ("final", "maybe", "time") and capital and self._adverbial(text[last:pos], end):
            return False
        if (core.lower(), word) in rules.phrases:
            return False
        if kind == "final":
            # "1898 г. В 1854 году": a dated caption goes on (Russian Golden Rules); other capitals split.
            return capital and not (core == "г" and re.match(r"В \d", right) is not None)
        if kind == "time":
            if word in rules.time_context or re.match(r"\w+\s+[Tt]ime\b", right[m.start(1) :] if m else ""):
                return False
            return capital
        if kind == "maybe":
            return word in rules.starters or proposed
        if kind == "plain" and left[-1] in _CLOSERS and capital and len(core) > 1 and not core.isdigit():
            return True  # 'verified.) Next' / '"absurd." Western': a closed sentence
        return proposed

    def _adverbial(self, fragment: str, end: str) -> bool:
        """A dating phrase that cannot be a sentence: "At 5 a.m.", "В 2010–2012 гг.", "что в 1991 г. Москва"."""
        words = fragment.split()
        if len(words) <= 3 and words[0].lower() in self.rules.prepositions:
            return True
        tail = end.split()[-4:]
        return (
            len(tail) == 4 and tail[0].lower() in self.rules.conjunctions and tail[1].lower() in self.rules.prepositions
        )

    def _kind(self, core: str, prev_tok: str, end: str) -> str:
        rules = self.rules
        key = core.lower()
        if not core:
            return "plain"
        if key in ("a.m", "p.m"):
            return "time"
        if key in ("д", "п", "е", "к", "н", "ч") and prev_tok in ("т", "в т"):
            key = "т" + key  # "т. д.", "т. е.": the two halves are separate tokens
        if key in ("др", "пр") and prev_tok == "и":
            key = "и" + key
        squeezed = key.replace(".", "").replace(" ", "")
        if len(core) == 1 and core.isupper():
            if rules.pronoun_i and core == "I":
                return "plain"
            return "never"  # an initial: "Jonas E. Smith", "В. В. Путин"
        points = key == "п" and prev_tok == "п"  # "2,5 п. п." (percentage points) is a unit like "м."
        if points or key in rules.year_abbrs or squeezed in rules.year_abbrs:
            words_before = end[: -len(core) - 1].split()
            if points or (words_before and words_before[-1].rstrip(".") in rules.unit_prefixes):
                words_before = words_before[:-1]  # skip the first "п." / the "куб." of "куб. м."
            last_word = words_before[-1].rstrip(",") if words_before else ""
            numeric = (last_word[-1:].isdigit() or bool(_ROMAN_RE.fullmatch(last_word)) or last_word == "гг"
                       or last_word.rstrip(".") in rules.multipliers)
            return "final" if numeric else "never"
        for name, words in (
            ("never", rules.never),
            ("number", rules.number),
            ("final", rules.final),
            ("maybe", rules.maybe),
        ):
            if key in words or ("." in key and squeezed in words):
                return name
        if "." in core:
            parts = re.split(r"\.-?", core)  # "К.-Ж." (Kassym-Jomart) is two initials
            if all(len(p) == 1 and p.isupper() for p in parts):
                # "Л.Н." initials in Cyrillic; "U.S." / "D.C." Latin acronyms may end a sentence.
                return "maybe" if parts[0].isascii() else "never"
            if all(len(p) <= 2 and p.isalpha() for p in parts if p) and parts[-1].isupper() and parts[0].isupper():
                return "never"  # "С.-Петербург"-style or "Д.С" initials
        return "plain"
