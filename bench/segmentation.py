"""Sentence segmentation benchmark: accuracy on the Golden Rules and speed on a news article.

Run: ``.venv/bin/python bench/segmentation.py`` (pysbd is measured too when it is installed:
``pip install pysbd``; it is a test oracle here, never a run-time dependency).

Accuracy: exact match of the whole sentence list per case (strip each sentence, drop empties),
the convention of ../shared/benchmarks. Speed: the sample article's body text repeated to 1 MB and
to 4 MB, segmented paragraph by paragraph as the pipeline does; MB/s and the 4x/1x time ratio
(linear scaling is about 4.0). Prints one table with every segmenter it can import.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from service.articles import ingest  # noqa: E402
from service.articles.inline import strip_placeholders  # noqa: E402
from service.articles.segmentation import split_sentences  # noqa: E402

DATA = Path(__file__).resolve().parent / "data"
NEWS = ROOT / "tests" / "fixtures" / "segmentation"
SAMPLE = ROOT / "tests" / "fixtures" / "eurasianet-armenia-coup.html"

Splitter = Callable[[str, str], list[str]]


def transdesk(text: str, lang: str) -> list[str]:
    return split_sentences(text, lang)


def peers() -> dict[str, Splitter]:
    found: dict[str, Splitter] = {"transdesk": transdesk}
    try:
        from sentencex import segment

        found["sentencex"] = lambda text, lang: list(segment(lang, text))
    except ImportError:
        pass
    try:
        import pysbd

        cache: dict[str, object] = {}

        def run(text: str, lang: str) -> list[str]:
            seg = cache.setdefault(lang, pysbd.Segmenter(language=lang, clean=False))
            return seg.segment(text)  # type: ignore[attr-defined]

        found["pysbd"] = run
    except ImportError:
        pass
    return found


def accuracy(split: Splitter, lang: str, cases: list[dict]) -> tuple[float, list[str]]:
    misses = []
    for case in cases:
        got = [s.strip() for s in split(case["text"], lang) if s.strip()]
        if got != [s.strip() for s in case["expected"] if s.strip()]:
            misses.append(case.get("id") or case["text"][:40])
    return 100.0 * (len(cases) - len(misses)) / len(cases), misses


def paragraphs() -> list[str]:
    parsed = ingest.parse_source(SAMPLE.read_bytes(), filename=SAMPLE.name)
    from service.articles.inline import html_to_tagged

    return [strip_placeholders(html_to_tagged(b.html)[0]) for b in parsed.blocks if b.kind == "paragraph"]


def corpus(size: int) -> list[str]:
    base = paragraphs()
    out: list[str] = []
    total = 0
    while total < size:
        for p in base:
            out.append(p)
            total += len(p.encode())
            if total >= size:
                break
    return out


def timed(split: Splitter, paras: list[str], repeat: int = 3) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        for p in paras:
            split(p, "en")
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main() -> None:
    en = [c for c in json.loads((DATA / "golden_rules_en.json").read_text()) if c["set"] == "pysbd_grs48"]
    ru = json.loads((DATA / "golden_rules_ru.json").read_text())
    news_en = json.loads((NEWS / "news_en.json").read_text(encoding="utf-8"))
    news_ru = json.loads((NEWS / "news_ru.json").read_text(encoding="utf-8"))
    one, four = corpus(1_000_000), corpus(4_000_000)
    print(
        f"Golden Rules: EN {len(en)} cases, RU {len(ru)} cases; news (tests/fixtures/segmentation): "
        f"EN {len(news_en)}, RU {len(news_ru)}; speed corpus: sample body to 1 MB and 4 MB"
    )
    print(
        f"{'segmenter':12} {'EN %':>7} {'RU %':>7} {'news EN %':>10} {'news RU %':>10} "
        f"{'MB/s (1 MB)':>12} {'4x time ratio':>14}"
    )
    for name, split in peers().items():
        en_acc, en_miss = accuracy(split, "en", en)
        ru_acc, ru_miss = accuracy(split, "ru", ru)
        nen_acc, nen_miss = accuracy(split, "en", news_en)
        nru_acc, nru_miss = accuracy(split, "ru", news_ru)
        small = timed(split, one, repeat=1 if name == "pysbd" else 3)
        large = timed(split, four, repeat=1) if name != "pysbd" else float("nan")
        ratio = large / small if small else float("nan")
        print(
            f"{name:12} {en_acc:7.1f} {ru_acc:7.1f} {nen_acc:10.1f} {nru_acc:10.1f} "
            f"{1.0 / small:12.1f} {ratio:14.2f}"
        )
        if name == "transdesk":
            missed = [*en_miss, *ru_miss, *nen_miss, *nru_miss]
            print(f"{'':12} missed: {'; '.join(missed) or '-'}")
    print("bars (issue 3): EN >= 98%, RU = 100%, >= 10 MB/s, 4x input <= 4.5x time")


if __name__ == "__main__":
    main()
