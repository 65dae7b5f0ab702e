"""Quality checks on one translated segment, and the share of a machine draft left unchanged.

``run_checks`` returns a list of ``Issue``: ``error`` issues break the published page or change the
facts (tags, numbers, links, forbidden terms); ``warning`` issues are for a reviewer to look at.
Numbers are compared as values, parsed with Babel in each side's locale (3.5 ↔ 3,5; 1,200 ↔ 1 200).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from difflib import SequenceMatcher

from babel.numbers import NumberFormatError, get_decimal_symbol, get_group_symbol, parse_decimal
from flask import has_app_context
from sqlalchemy import select

from service.articles import inline
from service.errors import InvalidInput
from service.extensions import db


@dataclass(frozen=True)
class Issue:
    code: str
    severity: str  # "error" | "warning"
    message: str


@dataclass(frozen=True)
class GlossaryHit:
    """A glossary term found in the source: one of ``targets`` should appear, none of ``forbidden``."""

    source: str
    targets: tuple[str, ...] = ()
    forbidden: tuple[str, ...] = field(default_factory=tuple)


# Target/source length ratio considered normal per language pair; DEFAULT_RATIO elsewhere.
LENGTH_RATIOS: dict[tuple[str, str], tuple[float, float]] = {
    ("en", "ru"): (0.6, 2.2),
    ("en", "uk"): (0.6, 2.2),
    ("en", "kk"): (0.6, 2.3),
    ("en", "de"): (0.7, 2.0),
    ("en", "zh"): (0.15, 1.0),
    ("en", "ja"): (0.2, 1.2),
}
DEFAULT_RATIO = (0.4, 2.5)
MIN_LENGTH_FOR_RATIO = 20
# Languages whose typography wants guillemets, and the quotes that should not appear there.
GUILLEMET_LANGS = {"ru", "uk", "be", "kk"}
STRAIGHT_QUOTES_RE = re.compile(r"[\"“”„‟]")
TERMINAL = ".?!:…"
CLOSERS = "»\"”’')]"
SPACES = " \u00a0\u202f\u2009"

URL_RE = re.compile(r"\bhttps?://[^\s<>\"«»{}]+|\bwww\.[^\s<>\"«»{}]+", re.IGNORECASE)
EMAIL_RE = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
# A number: digit groups separated by , . or a (narrow) no-break/plain space, with an optional fraction.
NUMBER_RE = re.compile(r"(?<![\w.,])\d{1,3}(?:[,.\u00a0\u202f ]\d{3})+(?:[.,]\d+)?(?!\d)|(?<![\w])\d+(?:[.,]\d+)?")
WORD_RE = re.compile(r"\w+", re.UNICODE)


def _lang(code: str) -> str:
    return (code or "").replace("_", "-").split("-")[0].lower()


def _without_markup(text: str) -> str:
    """Placeholders removed, links and addresses blanked: what numbers and words are read from."""
    text = inline.strip_placeholders(text)
    return EMAIL_RE.sub(" ", URL_RE.sub(" ", text))


# --- tags -------------------------------------------------------------------------------------

def check_placeholders(source: str, target: str) -> list[Issue]:
    wanted, present = inline.placeholders(source), inline.placeholders(target)
    issues: list[Issue] = []
    missing = list((Counter(wanted) - Counter(present)).elements())
    extra = list((Counter(present) - Counter(wanted)).elements())
    if missing:
        issues.append(Issue("tags_missing", "error", "missing tags: " + " ".join(missing)))
    if extra:
        issues.append(Issue("tags_extra", "error", "tags not in the source: " + " ".join(extra)))
    stack: list[str] = []
    for token in present:
        if token.endswith("/}"):
            continue
        if token.startswith("{/"):
            number = token[2:-1]
            if not stack or stack[-1] != number:
                issues.append(Issue("tags_broken", "error", f"{token} closes a tag that is not open there"))
                return issues
            stack.pop()
        else:
            stack.append(token[1:-1])
    if stack and not missing:
        issues.append(Issue("tags_broken", "error", "tags left open: " + " ".join(f"{{{n}}}" for n in stack)))
    return issues


# --- numbers ----------------------------------------------------------------------------------

def _numbers(text: str, lang: str) -> list[Decimal]:
    group, decimal = get_group_symbol(lang), get_decimal_symbol(lang)
    values: list[Decimal] = []
    for raw in NUMBER_RE.findall(_without_markup(text)):
        token = raw
        if group in SPACES:  # any kind of space groups digits in this locale
            token = re.sub(f"[{SPACES}]", group, token)
        elif any(ch in SPACES for ch in token):  # "5 100" in a comma-grouping locale: two numbers
            head, *rest = re.split(f"[{SPACES}]", token)
            values.extend(_numbers(head, lang) + [Decimal(part) for part in rest if part.isdigit()])
            continue
        if decimal not in token and group not in token and "." in token and decimal != ".":
            token = token.replace(".", decimal)  # "3.5" in a comma-decimal locale: still 3.5
        try:
            values.append(parse_decimal(token, locale=lang))
        except NumberFormatError:
            values.append(Decimal(re.sub(r"\D", "", token) or "0"))
    return values


def check_numbers(source: str, target: str, source_lang: str, target_lang: str) -> list[Issue]:
    src = Counter(_numbers(source, _lang(source_lang)))
    tgt = Counter(_numbers(target, _lang(target_lang)))
    issues = []
    if missing := sorted(src - tgt):
        issues.append(Issue("numbers_missing", "error", "numbers missing or changed: " +
                            ", ".join(format(n, "f") for n in missing)))
    if extra := sorted(tgt - src):
        issues.append(Issue("numbers_extra", "warning", "numbers not in the source: " +
                            ", ".join(format(n, "f") for n in extra)))
    return issues


# --- links, punctuation, spacing ----------------------------------------------------------------

def _links(text: str) -> list[str]:
    plain = inline.strip_placeholders(text)
    return [u.rstrip(".,;:!?)") for u in URL_RE.findall(plain)] + EMAIL_RE.findall(plain)


def check_links(source: str, target: str) -> list[Issue]:
    target_links = set(_links(target))
    missing = [link for link in _links(source) if link not in target_links]
    return [Issue("link_changed", "error", "links and addresses must stay unchanged: " + " ".join(missing))] \
        if missing else []


def _end_mark(text: str) -> str:
    plain = inline.strip_placeholders(text).rstrip()
    plain = plain.rstrip(CLOSERS + SPACES)
    return plain[-1] if plain and plain[-1] in TERMINAL else ""


def check_end_punctuation(source: str, target: str) -> list[Issue]:
    src, tgt = _end_mark(source), _end_mark(target)
    if bool(src) != bool(tgt):
        if src:
            return [Issue("end_punctuation", "warning", f"the source ends with {src!r}, the translation does not")]
        return [Issue("end_punctuation", "warning", f"the translation ends with {tgt!r}, the source does not")]
    if src in "?!" and tgt != src and src != tgt:
        return [Issue("end_punctuation", "warning", f"the source ends with {src!r}, the translation with {tgt!r}")]
    return []


def check_spacing(source: str, target: str) -> list[Issue]:
    issues = []
    if (source[:1].isspace(), source[-1:].isspace()) != (target[:1].isspace(), target[-1:].isspace()):
        issues.append(Issue("outer_space", "warning", "leading or trailing space differs from the source"))
    if "  " in target.strip() and "  " not in source.strip():
        issues.append(Issue("double_space", "warning", "double space in the translation"))
    return issues


def _names_only(text: str) -> bool:
    words = WORD_RE.findall(inline.strip_placeholders(text))
    return all(w.isdigit() or w[:1].isupper() for w in words)


def check_unchanged(source: str, target: str) -> list[Issue]:
    if target.strip() != source.strip() or _names_only(source):
        return []
    return [Issue("unchanged", "warning", "the translation is identical to the source")]


def check_length(source: str, target: str, source_lang: str, target_lang: str) -> list[Issue]:
    src = len(inline.strip_placeholders(source).strip())
    tgt = len(inline.strip_placeholders(target).strip())
    if src < MIN_LENGTH_FOR_RATIO or not tgt:
        return []
    low, high = LENGTH_RATIOS.get((_lang(source_lang), _lang(target_lang)), DEFAULT_RATIO)
    ratio = tgt / src
    if low <= ratio <= high:
        return []
    return [Issue("length_ratio", "warning", f"the translation is {ratio:.2f}× the source length "
                                             f"(expected {low}–{high})")]


def check_quotes(target: str, target_lang: str) -> list[Issue]:
    if _lang(target_lang) not in GUILLEMET_LANGS:
        return []
    if STRAIGHT_QUOTES_RE.search(URL_RE.sub(" ", inline.strip_placeholders(target))):
        return [Issue("quotes", "warning", "use « » quotes in this language")]
    return []


# --- glossary ---------------------------------------------------------------------------------

def _contains_term(text: str, term: str, lang: str) -> bool:
    """Whole-word, case-insensitive; in inflected languages the ending may change (stem match)."""
    words = [w.casefold() for w in WORD_RE.findall(text)]
    parts = [w.casefold() for w in WORD_RE.findall(term)]
    if not parts:
        return False
    inflected = _lang(lang) in {"ru", "uk", "be", "kk", "pl", "cs", "de", "fi"}

    def same(word: str, part: str) -> bool:
        if not inflected or len(part) < 5:
            return word == part
        return word.startswith(part[:-2]) and len(word) - len(part) <= 3

    n = len(parts)
    return any(all(same(words[i + j], parts[j]) for j in range(n)) for i in range(len(words) - n + 1))


def check_glossary(source: str, target: str, hits: Iterable[GlossaryHit], target_lang: str) -> list[Issue]:
    issues = []
    plain = inline.strip_placeholders(target)
    for hit in hits:
        if hit.targets and not any(_contains_term(plain, t, target_lang) for t in hit.targets):
            issues.append(Issue("glossary_missing", "warning",
                                f"{hit.source!r} should be translated as " + " / ".join(repr(t) for t in hit.targets)))
        for bad in hit.forbidden:
            if _contains_term(plain, bad, target_lang):
                issues.append(Issue("glossary_forbidden", "error", f"{bad!r} must not be used (for {hit.source!r})"))
    return issues


def stored_glossary(source: str, source_lang: str, target_lang: str) -> list[GlossaryHit]:
    """The language pair's glossary terms found in ``source`` (none outside an app, e.g. in pure unit tests)."""
    if not has_app_context():
        return []
    from service.glossary.services import check_hits  # the glossary imports this module

    try:
        return check_hits(source, source_lang, target_lang)
    except InvalidInput:  # a language code CLDR does not know has no glossary
        return []


def run_checks(source: str, target: str, source_lang: str, target_lang: str,
               glossary: Sequence[GlossaryHit] | None = None) -> list[Issue]:
    """Every check; an empty target is not checked (it is simply untranslated).

    ``glossary`` is the terms found in the source; by default (None) they come from the stored glossary
    of the language pair, so approval and the publish gate check terms without passing anything.
    """
    if not target.strip():
        return []
    if glossary is None:
        glossary = stored_glossary(source, source_lang, target_lang)
    return [
        *check_placeholders(source, target),
        *check_numbers(source, target, source_lang, target_lang),
        *check_links(source, target),
        *check_end_punctuation(source, target),
        *check_spacing(source, target),
        *check_unchanged(source, target),
        *check_length(source, target, source_lang, target_lang),
        *check_quotes(target, target_lang),
        *check_glossary(source, target, glossary, target_lang),
    ]


# --- post-editing effort ------------------------------------------------------------------------

def _tokens(text: str) -> list[str]:
    return WORD_RE.findall(unicodedata.normalize("NFC", inline.strip_placeholders(text or "")))


def _unchanged_counts(mt_text: str | None, final_text: str | None) -> tuple[int, int]:
    mt, final = _tokens(mt_text or ""), _tokens(final_text or "")
    if not final:
        return 0, 0
    matcher = SequenceMatcher(None, mt, final, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks()), len(final)


def unmodified_mt_share(mt_text: str | None, final_text: str | None) -> float:
    """Share (0–1) of the final text's word tokens left as the machine draft had them, in order."""
    kept, total = _unchanged_counts(mt_text, final_text)
    return kept / total if total else 0.0


def mt_share(article_id: int, lang: str, *, approved_only: bool = False) -> float | None:
    """Token-weighted unmodified-MT share over the article's segments that had a machine draft.

    None when no segment of this article and language was machine-translated. ``approved_only``
    measures what would be published (the publish gate); otherwise every draft counts.
    """
    from service.translation.models import Translation
    from service.translation.states import State

    query = select(Translation.mt_text, Translation.text).where(
        Translation.article_id == article_id, Translation.lang == lang, Translation.mt_text.is_not(None))
    if approved_only:
        query = query.where(Translation.state == State.APPROVED.value)
    rows = db.session.execute(query).all()
    kept = total = 0
    for mt_text, text in rows:
        k, t = _unchanged_counts(mt_text, text)
        kept, total = kept + k, total + t
    return kept / total if total else None
