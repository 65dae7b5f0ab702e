"""Translation memory: approved segments go in, exact and fuzzy lookups come out, TMX in and out, the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.conftest import FIXTURES, run_cli
from tests.factories import fake_translation, import_sample, make_user

pytestmark = pytest.mark.integration

TMX_FIXTURE = FIXTURES / "tmx" / "small.tmx"


def add(source: str, target: str, **kwargs: Any) -> Any:
    from service.extensions import db
    from service.translation.memory import TMUnit, unit_hash

    unit = TMUnit(source_lang=kwargs.pop("source_lang", "en"), target_lang=kwargs.pop("target_lang", "ru"),
                  source=source, target=target, source_hash=unit_hash(source), origin="approved", **kwargs)
    db.session.add(unit)
    db.session.flush()
    return unit


def approved_translations(n: int) -> list[Any]:
    from service.review import services as review
    from service.translation.models import Translation
    from service.translation.pipeline import translate_batch

    reviewer = make_user("rev-tm@example.org", "reviewer", "ru")
    article = import_sample(["ru"])
    translate_batch(article.id, "ru", [s.id for s in article.segments])
    rows = []
    for segment in article.segments[:n]:
        row = review.get_translation(article.id, "ru", segment.id)
        rows.append(review.approve(row, reviewer, base_version=row.version,
                                   text=fake_translation(segment.source, segment.position)))
    assert all(isinstance(r, Translation) for r in rows)
    return rows


def test_add_approved_enters_the_memory_once_with_context(db: Any) -> None:
    from service.translation.memory import TMUnit, add_approved, lookup, unit_hash

    rows = approved_translations(3)
    # Approving already put each of the three into the memory, once.
    assert db.session.scalar(select(func.count()).select_from(TMUnit)) == 3
    middle = rows[1]
    unit = add_approved(middle)
    assert unit is not None and unit.target == middle.text and unit.article_id == middle.article_id
    segments = middle.segment.article.segments
    assert unit.prev_hash == unit_hash(segments[0].source) and unit.next_hash == unit_hash(segments[2].source)
    assert add_approved(middle) is unit  # approving the same text again adds nothing
    assert db.session.scalar(select(func.count()).select_from(TMUnit)) == 3

    matches = lookup(middle.segment.source, "en", "ru", context=(segments[0].source, segments[2].source))
    assert matches[0].score == 100 and matches[0].exact and matches[0].in_context
    assert matches[0].target == middle.text
    out_of_context = lookup(middle.segment.source, "en", "ru", context=("Something else.", None))
    assert out_of_context[0].exact and not out_of_context[0].in_context


def test_add_approved_ignores_unapproved(db: Any) -> None:
    from service.review import services as review
    from service.translation.memory import add_approved

    article = import_sample(["ru"])
    row = review.get_translation(article.id, "ru", article.segments[0].id)
    assert add_approved(row) is None


def test_fuzzy_lookup_ranks_close_sources_first(db: Any) -> None:
    from service.translation.memory import lookup

    add("The talks resumed in {1}Yerevan{/1} on Monday.", "Переговоры возобновились в {1}Ереване{/1} в понедельник.")
    add("The talks resumed in Baku on Tuesday.", "Переговоры возобновились в Баку во вторник.")
    add("Prices of bread rose sharply.", "Цены на хлеб резко выросли.")
    add("The talks resumed in Yerevan on Monday.", "Other language pair", target_lang="kk")

    matches = lookup("The talks resumed in Yerevan on Sunday.", "en", "ru")
    assert [m.target for m in matches][:2] == ["Переговоры возобновились в {1}Ереване{/1} в понедельник.",
                                               "Переговоры возобновились в Баку во вторник."]
    assert all(not m.exact and m.score < 100 for m in matches)
    assert matches[0].score > matches[1].score >= 50
    assert all(m.target != "Other language pair" for m in matches)
    assert "Цены на хлеб резко выросли." not in [m.target for m in matches]


def test_exact_match_ignores_whitespace_differences_and_comes_first(db: Any) -> None:
    from service.translation.memory import lookup

    add("The talks  resumed.", "Переговоры возобновились.")
    add("The talks resumed again.", "Переговоры снова возобновились.")
    matches = lookup(" The talks resumed. ", "en", "ru")
    assert matches[0] == matches[0].__class__(100, "The talks  resumed.", "Переговоры возобновились.", True, False)
    assert len(matches) == 2 and not matches[1].exact
    assert lookup("Completely unrelated words here.", "en", "ru") == []


def test_tmx_import_and_export_round_trip(db: Any, tmp_path: Path) -> None:
    from translate.storage import tmx

    from service.translation import memory, tmx_io

    counts = tmx_io.import_tmx(TMX_FIXTURE)
    assert counts == {"units": 4, "imported": 4, "skipped": 1}
    assert memory.lookup("The ceasefire held overnight.", "en", "ru")[0].target == "Режим прекращения огня соблюдался."
    assert memory.lookup("The ceasefire held overnight.", "en", "kk")[0].target == "Атысты тоқтату сақталды."

    out = tmp_path / "out.tmx"
    with out.open("wb") as fh:
        assert tmx_io.export_tmx(fh) == 4
    with out.open("rb") as fh:
        store = tmx.tmxfile(fh, sourcelanguage="en")
    pairs = {(unit.source, unit.gettarget("ru") or unit.gettarget("kk")) for unit in store.units}
    assert ("Read {1}the report{/1} & comment.", "Прочтите {1}доклад{/1} и прокомментируйте.") in pairs
    assert len(pairs) == 4


def test_tmx_import_streams_in_batches(db: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from service.translation import tmx_io

    monkeypatch.setattr(tmx_io, "BATCH", 100)
    path = tmp_path / "big.tmx"
    body = "".join(f'<tu><tuv xml:lang="en"><seg>Sentence number {i}.</seg></tuv>'
                   f'<tuv xml:lang="ru"><seg>Предложение номер {i}.</seg></tuv></tu>' for i in range(1050))
    path.write_text(f'<?xml version="1.0"?><tmx version="1.4"><header srclang="en" segtype="sentence" '
                    f'datatype="plaintext" adminlang="en" o-tmf="x" creationtool="t" creationtoolversion="1"/>'
                    f"<body>{body}</body></tmx>", encoding="utf-8")
    flushed: list[int] = []
    original = tmx_io._flush
    monkeypatch.setattr(tmx_io, "_flush", lambda batch: flushed.append(len(batch)) or original(batch))
    assert tmx_io.import_tmx(path) == {"units": 1050, "imported": 1050, "skipped": 0}
    assert max(flushed) <= 100 + 1 and sum(flushed) == 1050


def test_tmx_entities_are_not_expanded(db: Any, tmp_path: Path) -> None:
    from service.errors import InvalidInput
    from service.translation import memory, tmx_io

    path = tmp_path / "xxe.tmx"
    path.write_text('<?xml version="1.0"?><!DOCTYPE tmx [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
                    '<tmx version="1.4"><header srclang="en"/><body><tu><tuv xml:lang="en"><seg>A &xxe; B</seg>'
                    '</tuv><tuv xml:lang="ru"><seg>А &xxe; Б</seg></tuv></tu></body></tmx>', encoding="utf-8")
    with pytest.raises(InvalidInput, match="DOCTYPE") as refused:
        tmx_io.import_tmx(path)
    assert "root:" not in str(refused.value)
    assert memory.lookup("A B", "en", "ru", min_score=0) == []


def test_tm_cli_import_and_export(committed: Any, tmp_path: Path) -> None:
    done = run_cli("tm", "import", str(TMX_FIXTURE))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"units": 4, "imported": 4, "skipped": 1}
    out = tmp_path / "all.tmx"
    done = run_cli("tm", "export", "-o", str(out), "--target-lang", "ru")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"exported": 3, "file": str(out)}
    assert out.read_text(encoding="utf-8").count("<tu ") == 3

    bad = run_cli("tm", "import", str(tmp_path / "missing.tmx"))
    assert bad.returncode == 1 and bad.stderr.decode().count("\n") == 1 and "error:" in bad.stderr.decode()


def test_sqlite_fts5_trigram_prefilter(app: Any, tmp_path: Path) -> None:
    """The SQLite path: the migration's FTS5 trigram table, kept in sync by triggers, feeds the fuzzy lookup."""
    from flask_migrate import upgrade

    from service import create_app
    from service.extensions import db
    from service.translation import memory, tmx_io
    from tests.conftest import ROOT

    sqlite_app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'tm.db'}"})
    with sqlite_app.app_context():
        upgrade(directory=str(ROOT / "service" / "migrations"))
        assert db.session.get_bind().dialect.name == "sqlite"
        assert tmx_io.import_tmx(TMX_FIXTURE)["imported"] == 4
        matches = memory.lookup("The ceasefire held until dawn.", "en", "ru")
        assert matches and matches[0].target == "Режим прекращения огня соблюдался." and not matches[0].exact
        assert memory.lookup("Prices rose by 3.5 percent.", "en", "ru")[0].exact
        db.session.execute(memory.TMUnit.__table__.delete())
        db.session.commit()
        assert memory.lookup("The ceasefire held until dawn.", "en", "ru") == []
        db.session.remove()
        db.engine.dispose()
    app.extensions["celery"].set_default()  # create_app made the SQLite app's Celery the default


def test_pipeline_drafts_exact_memory_matches_before_machine_translation(db: Any) -> None:
    """A second article with the same sentences gets them from the memory (origin tm), the rest from MT."""
    from service.articles import ingest, services
    from service.translation.models import Translation
    from service.translation.pipeline import translate_batch
    from tests.conftest import SAMPLE

    rows = approved_translations(3)
    parsed = ingest.parse_source(SAMPLE.read_bytes(), filename=SAMPLE.name)
    second = services.create_article(parsed, services.ImportRequest(slug="same-story-again", languages=["ru"]))
    translate_batch(second.id, "ru", [s.id for s in second.segments])
    drafts = {t.segment.position: t for t in db.session.scalars(select(Translation).filter_by(article_id=second.id))}
    for row in rows:
        reused = drafts[row.segment.position]
        assert reused.state == "draft" and reused.origin == "tm" and reused.engine is None
        assert reused.text == row.text and reused.mt_text is None
    others = [t for position, t in drafts.items() if position >= 3]
    assert others and all(t.origin == "mt" and t.engine == "pseudo" for t in others)


def test_tmx_import_of_a_file_broken_half_way_adds_nothing(db: Any, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from service.errors import InvalidInput
    from service.translation import memory, tmx_io

    monkeypatch.setattr(tmx_io, "BATCH", 100)
    path = tmp_path / "broken.tmx"
    body = "".join(f'<tu><tuv xml:lang="en"><seg>Sentence {i}.</seg></tuv>'
                   f'<tuv xml:lang="ru"><seg>Предложение {i}.</seg></tuv></tu>' for i in range(500))
    path.write_text(f'<?xml version="1.0"?><tmx version="1.4"><header srclang="en"/><body>{body}<tu><tuv>',
                    encoding="utf-8")
    seen: list[int] = []
    with pytest.raises(InvalidInput, match="not a valid TMX file"):
        tmx_io.import_tmx(path, progress=seen.append)
    assert seen and seen == sorted(seen)  # batches went out before the break was found…
    assert memory.count() == 0  # …and were rolled back with it
    assert memory.lookup("Sentence 7.", "en", "ru") == []
    assert trigram_index() == "gin_trgm_ops"  # dropped for the load into an empty memory, built again


def trigram_index() -> str | None:
    """The fuzzy prefilter's index: PostgreSQL's operator class (SQLite: "gin_trgm_ops" stands for its FTS5
    trigram table, which imports never drop), or None when missing."""
    from sqlalchemy import text

    from service.extensions import db

    if db.session.get_bind().dialect.name != "postgresql":
        found = db.session.scalar(text("SELECT sql FROM sqlite_master WHERE name = 'tm_units_fts'"))
        return "gin_trgm_ops" if found and "trigram" in found else None
    definition = db.session.scalar(text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_tm_units_source_trgm'"))
    return "gin_trgm_ops" if definition and "gin_trgm_ops" in definition else None


def test_tmx_import_keeps_the_trigram_index_into_empty_and_full_memories(db: Any) -> None:
    from service.translation import memory, tmx_io

    assert memory.count() == 0
    assert tmx_io.import_tmx(TMX_FIXTURE)["imported"] == 4  # empty: the index is built after the load
    assert trigram_index() == "gin_trgm_ops"
    assert tmx_io.import_tmx(TMX_FIXTURE)["imported"] == 4  # not empty: kept and updated as rows go in
    assert trigram_index() == "gin_trgm_ops"
    assert memory.count() == 8 and memory.count("en", "kk") == 2
    assert memory.lookup("The ceasefire held until dawn.", "en", "ru")[0].target == "Режим прекращения огня соблюдался."


def test_tm_cli_policy_sets_and_shows_per_language(committed: Any) -> None:
    assert run_cli("tm", "policy").stdout == b""  # no language has a policy: every one is off
    done = run_cli("tm", "policy", "RU", "--auto-approve", "in_context")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"lang": "ru", "auto_approve": "in_context"}
    assert run_cli("tm", "policy", "kk", "--auto-approve", "exact").returncode == 0
    listed = [json.loads(line) for line in run_cli("tm", "policy").stdout.splitlines()]
    assert listed == [{"lang": "kk", "auto_approve": "exact"}, {"lang": "ru", "auto_approve": "in_context"}]
    assert json.loads(run_cli("tm", "policy", "fa").stdout) == {"lang": "fa", "auto_approve": "off"}

    for bad in (["ru", "--auto-approve", "always"], ["xx-nowhere", "--auto-approve", "exact"],
                ["--auto-approve", "exact"]):
        refused = run_cli("tm", "policy", *bad)
        assert refused.returncode == 1 and refused.stderr.decode().count("\n") == 1, refused.stderr
        assert refused.stderr.startswith(b"error:")
    assert json.loads(run_cli("tm", "policy", "ru").stdout)["auto_approve"] == "in_context"  # unchanged


def test_tm_cli_import_shows_progress_on_stderr_only(committed: Any) -> None:
    done = run_cli("tm", "import", str(TMX_FIXTURE))
    assert done.returncode == 0, done.stderr
    assert b"importing" in done.stderr
    assert [json.loads(line) for line in done.stdout.splitlines()] == [{"units": 4, "imported": 4, "skipped": 1}]
