"""Article extraction benchmark: Transdesk's importer (and trafilatura, when importable) on real news pages.

Run: ``.venv/bin/python bench/extraction.py`` (``pip install -e '.[bench]'`` adds trafilatura to measure it
too; it is a benchmark peer only, never imported at run time).

The pages and the expected data are in ``tests/fixtures/pages/`` (see its README): ``<name>.html`` as saved,
``<name>.json`` the hand-checked title, authors, publication date, language and canonical URL, ``<name>.txt``
the article text. Scores per field, over the pages where the field is known:

* title: exact match after collapsing whitespace;
* authors: the set of names equal (case-insensitive, whitespace collapsed); an empty expected set counts too;
* date: the calendar date of the publication in the page's own time (``YYYY-MM-DD``), ``null`` when none;
* language: the primary subtag (``en-US`` -> ``en``), ``null`` when the page declares none;
* canonical URL: exact;
* body: token F1 between the extracted body text and the expected text (multiset of lower-cased word tokens),
  averaged over the pages.

Prints one row per page and extractor, then the summary table with the bar: the chosen extractor must be at
least as good as the peer on every field in the summary (docs/import.md records the figures and the choice).
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from service.articles import ingest  # noqa: E402
from service.articles.inline import html_to_tagged, strip_placeholders  # noqa: E402

PAGES = ROOT / "tests" / "fixtures" / "pages"
FIELDS = ("title", "authors", "date", "lang", "canonical", "body_f1")
_TOKEN_RE = re.compile(r"\w+", re.UNICODE)


@dataclass
class Extracted:
    title: str | None
    authors: list[str]
    date: str | None  # YYYY-MM-DD
    lang: str | None
    canonical: str | None
    body: str


def tokens(text: str) -> Counter[str]:
    return Counter(t.lower() for t in _TOKEN_RE.findall(text))


def token_f1(got: str, want: str) -> float:
    g, w = tokens(got), tokens(want)
    common = sum((g & w).values())
    if not common:
        return 0.0
    precision, recall = common / sum(g.values()), common / sum(w.values())
    return 2 * precision * recall / (precision + recall)


def _norm(text: str | None) -> str | None:
    return " ".join(text.split()) if text else None


def _lang(code: str | None) -> str | None:
    return code.split("-")[0].split("_")[0].lower() if code else None


def transdesk(data: bytes, name: str) -> Extracted:
    parsed = ingest.parse_source(data, filename=name)
    body = "\n".join(
        strip_placeholders(html_to_tagged(b.html)[0]) for b in parsed.blocks if b.kind in ingest.BODY_TEXT_KINDS
    )
    return Extracted(
        title=parsed.title,
        authors=parsed.authors,
        date=parsed.published_at.date().isoformat() if parsed.published_at else None,
        lang=parsed.lang,
        canonical=parsed.canonical_url,
        body=body,
    )


def trafilatura_peer() -> Callable[[bytes, str], Extracted] | None:
    try:
        import trafilatura
    except ImportError:
        return None

    def run(data: bytes, name: str) -> Extracted:
        found = trafilatura.bare_extraction(data, with_metadata=True, include_comments=False)
        doc = (found.as_dict() if hasattr(found, "as_dict") else found) or {}  # 2.x returns a Document
        authors = [a.strip() for a in re.split(r";|,(?! Jr)", doc.get("author") or "") if a.strip()]
        return Extracted(
            title=doc.get("title"),
            authors=authors,
            date=(doc.get("date") or None),
            lang=doc.get("language"),
            canonical=doc.get("url"),
            body=doc.get("text") or "",
        )

    return run


def score(got: Extracted, want: dict, text: str) -> dict[str, float]:
    return {
        "title": float(_norm(got.title) == _norm(want["title"])),
        "authors": float(
            {_norm(a).casefold() for a in got.authors if _norm(a)} == {a.casefold() for a in want["authors"]}
        ),
        "date": float((got.date or None) == want["published"]),
        "lang": float(_lang(got.lang) == _lang(want["lang"])),
        "canonical": float(got.canonical == want["canonical_url"]),
        "body_f1": token_f1(got.body, text),
    }


def main() -> int:
    extractors: dict[str, Callable[[bytes, str], Extracted]] = {"transdesk": transdesk}
    peer = trafilatura_peer()
    if peer is not None:
        extractors["trafilatura"] = peer
    pages = sorted(PAGES.glob("*.html"))
    totals: dict[str, dict[str, list[float]]] = {name: {f: [] for f in FIELDS} for name in extractors}
    seconds: dict[str, float] = dict.fromkeys(extractors, 0.0)
    print(f"{'page':20} {'extractor':12} " + " ".join(f"{f:>9}" for f in FIELDS))
    for page in pages:
        want = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
        text = page.with_suffix(".txt").read_text(encoding="utf-8")
        data = page.read_bytes()
        for name, extract in extractors.items():
            started = time.perf_counter()
            try:
                got = extract(data, page.name)
            except Exception as exc:  # a failed page scores zero everywhere, and the row says why
                print(f"{page.stem:20} {name:12} failed: {exc.__class__.__name__}: {exc}")
                for f in FIELDS:
                    totals[name][f].append(0.0)
                continue
            finally:
                seconds[name] += time.perf_counter() - started
            row = score(got, want, text)
            for f in FIELDS:
                totals[name][f].append(row[f])
            print(f"{page.stem:20} {name:12} " + " ".join(f"{row[f]:9.2f}" for f in FIELDS))
    print()
    print(f"summary over {len(pages)} pages (share correct; body = mean token F1)")
    print(f"{'extractor':12} " + " ".join(f"{f:>9}" for f in FIELDS) + f" {'ms/page':>9}")
    for name in extractors:
        means = [sum(v) / len(v) for v in totals[name].values()]
        ms = seconds[name] / len(pages) * 1000
        print(f"{name:12} " + " ".join(f"{m:9.2f}" for m in means) + f" {ms:9.1f}")
    if peer is None:
        print("(trafilatura not importable: pip install trafilatura to compare)")
    else:
        ours = {f: sum(v) / len(v) for f, v in totals["transdesk"].items()}
        theirs = {f: sum(v) / len(v) for f, v in totals["trafilatura"].items()}
        behind = [f for f in FIELDS if ours[f] + 1e-9 < theirs[f]]
        verdict = "met" if not behind else f"NOT met ({', '.join(behind)})"
        print("bar: transdesk >= trafilatura on every field:", verdict)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
