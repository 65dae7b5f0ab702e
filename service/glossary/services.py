"""Glossary terms: add, update, delete, list, and the matcher that finds them in source segments.

The matcher works on word tokens, not on one huge regular expression: terms are indexed by their
first token, so a segment costs one dictionary lookup per token whatever the glossary's size. It is
built once per language pair and process, and rebuilt when the pair's stamp (count, highest id,
latest update) changes; the stamp is read at most once per request (or task, or command), so an
editor page asking for 300 segments makes one small query. Changes made in this process drop the
matcher at once.

Matching is on whole tokens (word boundaries), honours each term's case-sensitive flag, and ignores
the translators' placeholders (``{1}``, ``{/1}``, ``{2/}``): they count as spaces, so
``{1}Joshua Kucera{/1}`` still holds "Joshua Kucera". Source terms are matched as written: no
stemming, so an inflected source form (Russian "перемирия" for "перемирие") needs its own entry.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import g, has_app_context, has_request_context, request
from sqlalchemy import func, select

from service import languages
from service.errors import Conflict, InvalidInput, NotFound
from service.extensions import db
from service.glossary.models import MAX_TERM, GlossaryTerm
from service.timeutil import utcnow
from service.translation.checks import GlossaryHit

# Placeholders (and the escaped braces that are literal text) in segment sources; see service.articles.inline.
PLACEHOLDER = re.compile(r"\{\{|\}\}|\{/?\d+/?\}")
TOKEN = re.compile(r"\w+|[^\w\s]")

Pair = tuple[str, str]


# --- matching ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Hit:
    """A glossary term found in a segment: ``text[start:end]`` is it; ``targets`` are the wanted translations."""

    term: str
    start: int
    end: int
    targets: tuple[str, ...]
    forbidden: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    case_sensitive: bool = False

    def for_checks(self) -> GlossaryHit:
        return GlossaryHit(self.term, targets=self.targets, forbidden=self.forbidden)

    @property
    def title(self) -> str:
        """What the editor shows on hover: the wanted translation(s), the forbidden ones, the notes."""
        parts = [" / ".join(self.targets)] if self.targets else []
        if self.forbidden:
            parts.append("≠ " + " / ".join(self.forbidden))
        parts.extend(note for note in self.notes if note)
        return " · ".join(parts)


@dataclass
class _Entry:
    term: str
    keys: tuple[str, ...]  # token keys (case-folded unless case-sensitive)
    gaps: tuple[bool, ...]  # whether whitespace separates token i from token i+1
    case_sensitive: bool
    targets: list[str] = field(default_factory=list)
    forbidden: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _tokens(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group(0)) for m in TOKEN.finditer(text)]


def _gaps(tokens: list[tuple[int, int, str]]) -> tuple[bool, ...]:
    """Whether whitespace (or a placeholder) separates each token from the next."""
    return tuple(tokens[i + 1][0] > tokens[i][1] for i in range(len(tokens) - 1))


def _key(token: str, case_sensitive: bool) -> str:
    return token if case_sensitive else token.casefold()


def mask_placeholders(text: str) -> str:
    """Placeholders become spaces of the same length, so offsets stay those of ``text``."""
    return PLACEHOLDER.sub(lambda m: m.group(0) if m.group(0) in ("{{", "}}") else " " * len(m.group(0)), text)


class Matcher:
    """Every term of one language pair, indexed by first token key."""

    def __init__(self, terms: Iterable[Any]) -> None:
        """``terms``: GlossaryTerm rows, or anything with their attributes (a query's column rows)."""
        entries: dict[tuple[bool, tuple[str, ...], tuple[bool, ...]], _Entry] = {}
        for row in terms:
            case_sensitive = bool(row.case_sensitive)
            tokens = _tokens(row.source)
            if not tokens:
                continue
            keys, gaps = tuple(_key(t, case_sensitive) for _s, _e, t in tokens), _gaps(tokens)
            entry = entries.get((case_sensitive, keys, gaps))
            if entry is None:
                entry = entries[(case_sensitive, keys, gaps)] = _Entry(row.source, keys, gaps, case_sensitive)
            (entry.forbidden if row.forbidden else entry.targets).append(row.target)
            if row.notes:
                entry.notes.append(row.notes)
        self.size = len(entries)
        self._index: dict[tuple[bool, str], list[_Entry]] = {}
        for entry in entries.values():
            self._index.setdefault((entry.case_sensitive, entry.keys[0]), []).append(entry)
        for candidates in self._index.values():  # longest first: "Nikol Pashinyan" before "Nikol"
            candidates.sort(key=lambda e: (-len(e.keys), not e.case_sensitive))

    def __bool__(self) -> bool:
        return self.size > 0

    def hits(self, text: str) -> list[Hit]:
        """Terms in ``text`` (a segment source with placeholders), left to right, longest match first."""
        if not self._index or not text:
            return []
        tokens = _tokens(mask_placeholders(text))
        words = [t[2] for t in tokens]
        folded = [w.casefold() for w in words]
        # gaps[i]: whitespace between token i and i+1. Tokens are maximal runs of word characters, so a
        # match that also agrees on the gaps is bounded by word boundaries.
        gaps = _gaps(tokens)
        index, out, i, count = self._index, [], 0, len(tokens)
        while i < count:
            best: _Entry | None = None
            for candidates, keys in ((index.get((True, words[i])), words), (index.get((False, folded[i])), folded)):
                for entry in candidates or ():
                    n = len(entry.keys)
                    if (best is None or n > len(best.keys)) and i + n <= count \
                            and tuple(keys[i:i + n]) == entry.keys and gaps[i:i + n - 1] == entry.gaps:
                        best = entry
                        break  # candidates are longest first
            if best is None:
                i += 1
                continue
            last = i + len(best.keys) - 1
            out.append(Hit(best.term, tokens[i][0], tokens[last][1], tuple(best.targets), tuple(best.forbidden),
                           tuple(best.notes), best.case_sensitive))
            i = last + 1
        return out


_matchers: dict[Pair, tuple[tuple[Any, ...], Matcher]] = {}
_lock = threading.Lock()
_STAMPS = "_glossary_stamps"


def _pair(source_lang: str, target_lang: str) -> Pair:
    return languages.validate(source_lang), languages.validate(target_lang)


def _stamp(pair: Pair) -> tuple[Any, ...]:
    """What changes whenever a term of the pair is added, changed or deleted; read once per request/context."""
    scope: Any = request if has_request_context() else g
    memo: dict[Pair, tuple[Any, ...]] = getattr(scope, _STAMPS, None) or {}
    if pair not in memo:
        row = db.session.execute(
            select(func.count(GlossaryTerm.id), func.max(GlossaryTerm.id), func.max(GlossaryTerm.updated_at))
            .where(GlossaryTerm.source_lang == pair[0], GlossaryTerm.target_lang == pair[1])
        ).one()
        memo[pair] = tuple(row)
        setattr(scope, _STAMPS, memo)
    return memo[pair]


def stamp(source_lang: str, target_lang: str) -> tuple[Any, ...]:
    """The pair's stamp, for caches of anything that shows its terms (the editor's rendered segments)."""
    return _stamp(_pair(source_lang, target_lang))


def matcher(source_lang: str, target_lang: str) -> Matcher:
    """The pair's matcher, rebuilt only when its terms changed."""
    pair = _pair(source_lang, target_lang)
    stamp = _stamp(pair)
    with _lock:
        cached = _matchers.get(pair)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    built = Matcher(db.session.execute(
        select(GlossaryTerm.source, GlossaryTerm.target, GlossaryTerm.notes, GlossaryTerm.forbidden,
               GlossaryTerm.case_sensitive)
        .where(GlossaryTerm.source_lang == pair[0], GlossaryTerm.target_lang == pair[1]).order_by(GlossaryTerm.id)
    ).all())
    with _lock:
        _matchers[pair] = (stamp, built)
    return built


def hits(text: str, source_lang: str, target_lang: str) -> list[Hit]:
    """Glossary terms of the pair found in one source segment."""
    return matcher(source_lang, target_lang).hits(text)


def check_hits(text: str, source_lang: str, target_lang: str) -> list[GlossaryHit]:
    """The hits in the shape the QA checks take (service.translation.checks.run_checks)."""
    return [hit.for_checks() for hit in hits(text, source_lang, target_lang)]


def forget(pair: Pair | None = None) -> None:
    """Drop cached matchers and this request's stamps (after a change in this process)."""
    with _lock:
        if pair is None:
            _matchers.clear()
            _engine_glossaries.clear()
        else:
            _matchers.pop(pair, None)
            _engine_glossaries.pop(pair, None)
    scopes: list[Any] = [request] if has_request_context() else []
    scopes += [g] if has_app_context() else []
    for scope in scopes:
        if hasattr(scope, _STAMPS):
            delattr(scope, _STAMPS)


_engine_glossaries: dict[Pair, tuple[tuple[Any, ...], dict[str, str]]] = {}


def engine_glossary(source_lang: str, target_lang: str) -> dict[str, str]:
    """Source term → its first wanted translation, for engines that take a glossary (DeepL, LLMs).

    The whole pair, so that DeepL keeps one glossary per content; read again only when the pair's stamp
    changed (the pipeline asks once per batch)."""
    pair = _pair(source_lang, target_lang)
    stamp = _stamp(pair)
    with _lock:
        cached = _engine_glossaries.get(pair)
    if cached is not None and cached[0] == stamp:
        return dict(cached[1])
    out: dict[str, str] = {}
    for source, target in db.session.execute(
        select(GlossaryTerm.source, GlossaryTerm.target).where(
            GlossaryTerm.source_lang == pair[0], GlossaryTerm.target_lang == pair[1],
            GlossaryTerm.forbidden.is_(False)).order_by(GlossaryTerm.id)
    ):
        out.setdefault(source, target)
    with _lock:
        _engine_glossaries[pair] = (stamp, out)
    return dict(out)


def transliterate(text: str, source_lang: str, target_lang: str) -> str | None:
    """``text`` with every glossary term replaced by its wanted translation; None when no term is found.

    Used for bylines: author names written through the glossary (en→ru "Joshua Kucera" → "Джошуа Кучера").
    A term that straddles a placeholder is left alone, so tags stay where they were.
    """
    found = [hit for hit in hits(text, source_lang, target_lang)
             if hit.targets and not PLACEHOLDER.search(text[hit.start:hit.end])]
    if not found:
        return None
    out, last = [], 0
    for hit in found:
        out += [text[last:hit.start], hit.targets[0]]
        last = hit.end
    return "".join(out) + text[last:]


# --- terms --------------------------------------------------------------------------------------

@dataclass
class TermInput:
    source: str
    target: str
    notes: str = ""
    forbidden: bool = False
    case_sensitive: bool = False


def clean_input(item: TermInput) -> TermInput:
    """Whitespace normalized and lengths checked; one clear error for a bad term."""
    source, target = " ".join((item.source or "").split()), " ".join((item.target or "").split())
    if not source or not target:
        raise InvalidInput("a glossary term needs a source term and a target term")
    if len(source) > MAX_TERM or len(target) > MAX_TERM:
        raise InvalidInput(f"glossary terms are at most {MAX_TERM} characters")
    if not TOKEN.search(source):
        raise InvalidInput(f"the source term {source!r} has no word in it")
    return TermInput(source, target, (item.notes or "").strip()[:2000], bool(item.forbidden),
                     bool(item.case_sensitive))


def _existing(pair: Pair, item: TermInput) -> GlossaryTerm | None:
    return db.session.scalar(select(GlossaryTerm).filter_by(
        source_lang=pair[0], target_lang=pair[1], source=item.source, target=item.target))


def add_term(source_lang: str, target_lang: str, item: TermInput, *, user_id: int | None = None,
             commit: bool = True) -> GlossaryTerm:
    pair = _pair(source_lang, target_lang)
    if pair[0] == pair[1]:
        raise InvalidInput("the glossary's source and target languages must differ")
    item = clean_input(item)
    if _existing(pair, item) is not None:
        raise Conflict(f"the glossary already has {item.source!r} → {item.target!r}")
    term = GlossaryTerm(source_lang=pair[0], target_lang=pair[1], source=item.source, target=item.target,
                        notes=item.notes, forbidden=item.forbidden, case_sensitive=item.case_sensitive,
                        created_by_id=user_id)
    db.session.add(term)
    _done(pair, commit)
    return term


def get_term(term_id: int) -> GlossaryTerm:
    term = db.session.get(GlossaryTerm, term_id)
    if term is None:
        raise NotFound(f"no glossary term {term_id}")
    return term


def update_term(term_id: int, item: TermInput, *, commit: bool = True) -> GlossaryTerm:
    term = get_term(term_id)
    item = clean_input(item)
    other = _existing((term.source_lang, term.target_lang), item)
    if other is not None and other.id != term.id:
        raise Conflict(f"the glossary already has {item.source!r} → {item.target!r}")
    term.source, term.target, term.notes = item.source, item.target, item.notes
    term.forbidden, term.case_sensitive, term.updated_at = item.forbidden, item.case_sensitive, utcnow()
    _done((term.source_lang, term.target_lang), commit)
    return term


def delete_term(term_id: int, *, commit: bool = True) -> None:
    term = get_term(term_id)
    pair = (term.source_lang, term.target_lang)
    db.session.delete(term)
    _done(pair, commit)


def _done(pair: Pair, commit: bool) -> None:
    if commit:
        db.session.commit()
    else:
        db.session.flush()
    forget(pair)


def list_terms(source_lang: str | None = None, target_lang: str | None = None,
               search: str = "") -> list[GlossaryTerm]:
    query = select(GlossaryTerm)
    if source_lang:
        query = query.where(GlossaryTerm.source_lang == languages.validate(source_lang))
    if target_lang:
        query = query.where(GlossaryTerm.target_lang == languages.validate(target_lang))
    if search.strip():
        pattern = f"%{search.strip().lower()}%"
        query = query.where(func.lower(GlossaryTerm.source).like(pattern)
                            | func.lower(GlossaryTerm.target).like(pattern))
    return list(db.session.scalars(query.order_by(GlossaryTerm.source_lang, GlossaryTerm.target_lang,
                                                  func.lower(GlossaryTerm.source), GlossaryTerm.id)))


def pairs() -> list[Pair]:
    """Every language pair that has terms."""
    return [(s, t) for s, t in db.session.execute(
        select(GlossaryTerm.source_lang, GlossaryTerm.target_lang).distinct()
        .order_by(GlossaryTerm.source_lang, GlossaryTerm.target_lang))]


def byline_texts(article: Any, lang: str, texts: Mapping[int, str]) -> Mapping[int, str]:
    """``texts`` (segment id → target text) with untranslated bylines written through the glossary.

    A byline counts as untranslated when it has no target text or the target is the source unchanged
    (names are often approved as they are); a translator's own spelling always wins.
    """
    if languages.validate(lang) == languages.validate(article.source_lang):
        return texts
    out = dict(texts)
    for block in article.blocks:
        if block.kind != "byline":
            continue
        for segment in block.segments:
            current = texts.get(segment.id)
            if current is not None and current.strip() != segment.source.strip():
                continue
            written = transliterate(segment.source, article.source_lang, lang)
            if written is not None:
                out[segment.id] = written
    return out
