"""The ``transdesk`` command as a user runs it: a separate process on the test database."""

from __future__ import annotations

import functools
import json
import os
import pty
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import SAMPLE, run_cli
from tests.factories import PASSWORD

pytestmark = [pytest.mark.integration]

COUNTED = ("articles", "segments", "translations", "events", "language_versions", "snapshots", "blocks")
CHROME = ("Privacy Policy", "Kazakhstan's Bloody January", "Popular", "You can search using keywords",
          "Tamada Tales", "gtag", "Skip to main content")
SAMPLE_KINDS = ["tag"] * 4 + ["title", "dek", "byline", "caption"] + ["paragraph"] * 10 + ["newsletter"]
SAMPLE_SLUG = "armenia-breaks-up-alleged-russian-inspired-coup-attempt"


@pytest.fixture
def database(committed: Any) -> Iterator[Any]:
    """A fresh engine of our own: it sees only what the CLI process really committed."""
    engine = create_engine(committed.config["SQLALCHEMY_DATABASE_URI"])
    yield engine
    engine.dispose()


def row_counts(engine: Any) -> dict[str, int]:
    with engine.connect() as conn:
        return {table: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() for table in COUNTED}


def one_line_error(result: Any) -> str:
    """The failure contract: non-zero exit, nothing on stdout, exactly one ``error:`` line on stderr."""
    stderr = result.stderr.decode()
    assert result.returncode != 0, (result.stdout, stderr)
    assert result.stdout == b"", result.stdout
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: "), stderr
    assert stderr.endswith("\n")
    return lines[0]


def import_sample_cli(*extra: str) -> dict[str, Any]:
    result = run_cli("import", str(SAMPLE), *extra)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stderr == b"", result.stderr.decode()
    lines = result.stdout.decode().splitlines()
    assert len(lines) == 1, lines
    return json.loads(lines[0])


def big_page() -> bytes:
    paragraph = "<p>" + "A long paragraph of perfectly ordinary article text. " * 20 + "</p>\n"
    body = paragraph * (600 * 1024 // len(paragraph) + 1)
    data = f"<html><body><article><h1>Too big</h1>{body}</article></body></html>".encode()
    assert len(data) > 600 * 1024
    return data


BAD_FILES: dict[str, tuple[bytes, str]] = {
    "empty.html": (b"", "empty"),
    "picture.png": (b"\x89PNG\r\n\x1a\n" + os.urandom(4096), "binary"),
    "chrome-only.html": (b"<html><body><nav><ul><li><a href='/a'>Regions</a></li><li><a href='/b'>Topics</a>"
                         b"</li></ul></nav><footer><p>Privacy Policy</p><p>Copyright 2024 Eurasianet</p>"
                         b"</footer></body></html>", "no article"),
    "huge.html": (big_page(), "512 KiB"),
}


# --------------------------------------------------------------------------- import


def test_import_sample_prints_one_json_line_and_stores_the_article(database: Any) -> None:
    created = import_sample_cli("--translate", "ru")
    assert set(created) == {"id", "slug", "segments", "languages"}
    assert created["slug"] == SAMPLE_SLUG
    assert created["languages"] == ["ru"]
    assert isinstance(created["id"], int) and created["segments"] >= 25

    with database.connect() as conn:
        article = conn.execute(text("SELECT id, slug, source_lang, title FROM articles")).one()
        assert (article.id, article.slug, article.source_lang) == (created["id"], SAMPLE_SLUG, "en")
        assert article.title == "Armenia breaks up alleged Russian-inspired coup attempt"
        blocks = conn.execute(text("SELECT kind, html FROM blocks WHERE article_id = :id ORDER BY position"),
                              {"id": created["id"]}).all()
        segments = conn.execute(text("SELECT count(*) FROM segments WHERE article_id = :id"),
                                {"id": created["id"]}).scalar_one()
        queued = conn.execute(text("SELECT state, count(*) FROM translations WHERE article_id = :id AND lang = 'ru'"
                                   " GROUP BY state"), {"id": created["id"]}).all()
        versions = conn.execute(text("SELECT lang, is_source FROM language_versions WHERE article_id = :id"
                                     " ORDER BY lang"), {"id": created["id"]}).all()
    assert [b.kind for b in blocks] == SAMPLE_KINDS
    assert [b.html for b in blocks[:4]] == ["Armenia", "Azerbaijan", "Caucasus", "Russia"]
    assert segments == created["segments"]
    # Every segment is queued for Russian (a worker started by another test module may already be drafting).
    assert set(dict(queued)) <= {"queued", "draft"} and sum(dict(queued).values()) == created["segments"]
    assert [(v.lang, v.is_source) for v in versions] == [("en", True), ("ru", False)]
    everything = "\n".join(b.html for b in blocks)
    for junk in CHROME:
        assert junk not in everything, junk


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_import_refuses_bad_files_and_writes_nothing(database: Any, tmp_path: Path, name: str) -> None:
    data, expected = BAD_FILES[name]
    path = tmp_path / name
    path.write_bytes(data)
    before = row_counts(database)
    message = one_line_error(run_cli("import", str(path), "--translate", "ru"))
    assert expected in message, message
    assert row_counts(database) == before


@pytest.mark.parametrize(("args", "expected"), [
    (("--translate", "xx"), "'xx'"),
    (("--translate", "ru,xx"), "'xx'"),
    (("--source-lang", "zz"), "'zz'"),
    (("--slug", "Not A Slug!"), "invalid slug"),
])
def test_import_refuses_bad_options_and_writes_nothing(database: Any, args: tuple[str, ...], expected: str) -> None:
    before = row_counts(database)
    message = one_line_error(run_cli("import", str(SAMPLE), *args))
    assert expected in message, message
    assert row_counts(database) == before


def test_import_missing_file(database: Any, tmp_path: Path) -> None:
    before = row_counts(database)
    missing = tmp_path / "nowhere" / "article.html"
    message = one_line_error(run_cli("import", str(missing)))
    assert str(missing) in message, message
    assert row_counts(database) == before


def test_import_bad_priority_is_a_usage_error(database: Any) -> None:
    before = row_counts(database)
    result = run_cli("import", str(SAMPLE), "--priority", "urgent")
    assert result.returncode != 0
    assert result.stdout == b""
    assert b"urgent" in result.stderr
    assert row_counts(database) == before


def test_import_update_changes_the_article_in_place(database: Any, tmp_path: Path) -> None:
    """``--update`` re-imports over the article with the same slug: the changed sentence is new, the rest kept."""
    first = import_sample_cli("--translate", "ru")
    html = SAMPLE.read_text(encoding="utf-8")
    sentence = "Recruits were supposedly being sent to a training camp in Russia."
    assert html.count(sentence) == 1
    changed = tmp_path / "changed.html"
    changed.write_text(html.replace(sentence, "Recruits were reportedly sent to a camp in Russia."), encoding="utf-8")
    before = row_counts(database)
    result = run_cli("import", str(changed), "--update", "--translate", "ru")
    assert result.returncode == 0, result.stderr
    line = json.loads(result.stdout)
    assert line["id"] == first["id"] and line["slug"] == first["slug"] and line["created"] is False
    assert (line["added"], line["removed"]) == (1, 1) and line["kept"] == first["segments"] - 1
    after = row_counts(database)
    assert after["articles"] == before["articles"] and after["segments"] == before["segments"]
    # Without --update the same page is a new article with a slug of its own.
    assert import_sample_cli()["slug"] == SAMPLE_SLUG + "-2"


def test_import_existing_slug_is_refused(database: Any) -> None:
    import_sample_cli()
    before = row_counts(database)
    message = one_line_error(run_cli("import", str(SAMPLE), "--slug", SAMPLE_SLUG))
    assert "already exists" in message
    assert row_counts(database) == before
    # Without --slug the second import gets a free slug of its own.
    assert import_sample_cli()["slug"] == SAMPLE_SLUG + "-2"


def test_import_from_stdin(database: Any) -> None:
    source = ("# A headline on stdin\n\nThe first paragraph has two sentences. This is the second one.\n\n"
              "A second paragraph with a [link](https://example.org/page).\n")
    result = run_cli("import", "-", "--slug", "my-text", stdin=source.encode())
    assert result.returncode == 0, result.stderr.decode()
    lines = result.stdout.decode().splitlines()
    assert len(lines) == 1
    created = json.loads(lines[0])
    assert created["slug"] == "my-text" and created["languages"] == []
    with database.connect() as conn:
        title = conn.execute(text("SELECT title FROM articles WHERE id = :id"), {"id": created["id"]}).scalar_one()
        blocks = conn.execute(text("SELECT kind, html FROM blocks WHERE article_id = :id ORDER BY position"),
                              {"id": created["id"]}).all()
        sources = conn.execute(text("SELECT source FROM segments WHERE article_id = :id ORDER BY position"),
                               {"id": created["id"]}).scalars().all()
    # Markdown without a file name is recognised by its heading: rendered, not taken literally.
    assert title == "A headline on stdin"
    assert [tuple(b) for b in blocks] == [
        ("title", "A headline on stdin"),
        ("paragraph", "The first paragraph has two sentences. This is the second one."),
        ("paragraph", 'A second paragraph with a <a href="https://example.org/page">link</a>.'),
    ]
    assert sources == ["A headline on stdin", "The first paragraph has two sentences.", "This is the second one.",
                       "A second paragraph with a {1}link{/1}."]
    assert created["segments"] == len(sources)


def test_import_plain_text_from_stdin(database: Any) -> None:
    source = "Plain title line\n\nA paragraph of text with {braces} & <angles>.\n\nAnother paragraph.\n"
    result = run_cli("import", "-", "--slug", "plain-text", "--translate", "ru", stdin=source.encode())
    assert result.returncode == 0, result.stderr.decode()
    created = json.loads(result.stdout)
    assert (created["slug"], created["languages"]) == ("plain-text", ["ru"])
    with database.connect() as conn:
        blocks = conn.execute(text("SELECT kind, html FROM blocks WHERE article_id = :id ORDER BY position"),
                              {"id": created["id"]}).all()
    assert [tuple(b) for b in blocks] == [
        ("title", "Plain title line"),
        ("paragraph", "A paragraph of text with {braces} &amp; &lt;angles&gt;."),
        ("paragraph", "Another paragraph."),
    ]


def test_import_empty_stdin_writes_nothing(database: Any) -> None:
    before = row_counts(database)
    assert "empty" in one_line_error(run_cli("import", "-", "--slug", "nothing", stdin=b"  \n\n"))
    assert row_counts(database) == before


# --------------------------------------------------------------------------- several sources


def page_bytes(title: str, body: str = "A paragraph long enough to be the body of the article.") -> bytes:
    return f"<html><body><article><h1>{title}</h1><p>{body}</p></article></body></html>".encode()


class FeedSite(SimpleHTTPRequestHandler):
    """Static files from a directory; ``*.cp1251`` is served as windows-1251 HTML (declared in the header)."""

    extensions_map: ClassVar[dict[str, str]] = {
        **SimpleHTTPRequestHandler.extensions_map, ".cp1251": "text/html; charset=windows-1251",
        ".xml": "application/rss+xml",
    }

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def feed_site(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(FeedSite, directory=str(tmp_path)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", tmp_path
    server.shutdown()
    server.server_close()


LOOPBACK_ALLOWED = {"TRANSDESK_IMPORT_ALLOW_PRIVATE_URLS": "1"}


def test_import_several_files_one_line_each_and_failures_do_not_stop(database: Any, tmp_path: Path) -> None:
    (tmp_path / "a.html").write_bytes(page_bytes("First batch article"))
    (tmp_path / "b.html").write_bytes(page_bytes("Second batch article"))
    (tmp_path / "empty.html").write_bytes(b"")
    result = run_cli("import", str(tmp_path / "a.html"), str(tmp_path / "empty.html"), str(tmp_path / "b.html"),
                     str(tmp_path / "missing.html"), "--translate", "ru")
    assert result.returncode == 1
    lines = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [line.get("slug") for line in lines] == ["first-batch-article", None, "second-batch-article", None]
    assert lines[1] == {"source": str(tmp_path / "empty.html"),
                        "error": {"code": "import_failed", "message": "the source is empty"}}
    assert lines[3]["source"] == str(tmp_path / "missing.html") and lines[3]["error"]["code"] == "import_failed"
    assert set(lines[0]) == {"id", "slug", "segments", "languages"} and lines[0]["languages"] == ["ru"]
    errors = result.stderr.decode().splitlines()  # no progress bar: stderr is not a terminal here
    assert errors == [f"error: {tmp_path / 'empty.html'}: the source is empty",
                      f"error: {tmp_path / 'missing.html'}: cannot read {tmp_path / 'missing.html'}: "
                      "No such file or directory"]
    with database.connect() as conn:
        titles = conn.execute(text("SELECT title FROM articles ORDER BY id")).scalars().all()
    assert titles == ["First batch article", "Second batch article"]


def test_import_a_feed_by_url(database: Any, feed_site: tuple[str, Path]) -> None:
    base, root = feed_site
    (root / "one.html").write_bytes(page_bytes("Feed article one"))
    (root / "ru.cp1251").write_bytes(page_bytes("Статья в кодировке windows-1251",
                                                "Президент заявил в среду, что переговоры продолжатся.")
                                     .decode().encode("cp1251"))
    (root / "feed.xml").write_text(f"""<?xml version="1.0"?><rss version="2.0"><channel><title>Site</title>
        <item><link>{base}/one.html</link></item><item><link>/ru.cp1251</link></item>
        <item><link>{base}/gone.html</link></item></channel></rss>""")
    result = run_cli("import", f"{base}/feed.xml", env=LOOPBACK_ALLOWED)
    assert result.returncode == 1, result.stderr.decode()
    lines = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [line.get("slug") for line in lines[:2]] == ["feed-article-one", "windows-1251"]
    assert lines[2] == {"source": f"{base}/gone.html",
                        "error": {"code": "import_failed", "message": f"cannot fetch {base}/gone.html: HTTP 404"}}
    with database.connect() as conn:
        rows = conn.execute(text("SELECT title, source_name FROM articles ORDER BY id")).all()
        body = conn.execute(text("SELECT html FROM blocks WHERE kind = 'paragraph' ORDER BY id DESC")).scalar()
    assert [tuple(r) for r in rows] == [("Feed article one", f"{base}/one.html"),
                                        ("Статья в кодировке windows-1251", f"{base}/ru.cp1251")]
    assert body == "Президент заявил в среду, что переговоры продолжатся."


def test_import_a_sitemap_file_with_a_progress_bar_on_a_terminal(database: Any, feed_site: tuple[str, Path]) -> None:
    base, root = feed_site
    for n in (1, 2):
        (root / f"s{n}.html").write_bytes(page_bytes(f"Sitemap article {n}"))
    sitemap = root / "sitemap.xml"
    sitemap.write_text('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                       f"<url><loc>{base}/s1.html</loc></url><url><loc>{base}/s2.html</loc></url></urlset>")
    main, terminal = pty.openpty()
    try:
        done = subprocess.run([sys.executable, "-m", "service.cli", "import", str(sitemap)], stdout=subprocess.PIPE,
                              stderr=terminal, env={**os.environ, **LOOPBACK_ALLOWED}, timeout=120, check=False)
        os.close(terminal)
        drawn = b""
        while True:
            try:
                chunk = os.read(main, 4096)
            except OSError:  # the terminal is closed once everything was read
                break
            if not chunk:
                break
            drawn += chunk
    finally:
        os.close(main)
    assert done.returncode == 0, drawn
    assert [json.loads(line)["slug"] for line in done.stdout.decode().splitlines()] == [
        "sitemap-article-1", "sitemap-article-2"]
    assert b"importing" in drawn and b"2/2" in drawn  # the bar, with its position


def test_import_urls_to_loopback_are_refused_by_default(database: Any, feed_site: tuple[str, Path]) -> None:
    base, root = feed_site
    (root / "one.html").write_bytes(page_bytes("Never imported"))
    before = row_counts(database)
    line = one_line_error(run_cli("import", f"{base}/one.html"))
    assert "private or local address" in line
    assert row_counts(database) == before


def test_slug_with_a_feed_of_several_articles_is_refused(database: Any, feed_site: tuple[str, Path]) -> None:
    base, root = feed_site
    (root / "feed.xml").write_text(f"<rss><channel><item><link>{base}/a.html</link></item>"
                                   f"<item><link>{base}/b.html</link></item></channel></rss>")
    before = row_counts(database)
    line = one_line_error(run_cli("import", f"{base}/feed.xml", "--slug", "one-slug", env=LOOPBACK_ALLOWED))
    assert "--slug can only be used with a single source" in line
    assert row_counts(database) == before


# --------------------------------------------------------------------------- segment


def test_segment_prints_a_json_array() -> None:
    paragraph = "Armenia said on Sept. 18 that it had foiled a coup. Russia denied it! Was it real? Nobody knows."
    result = run_cli("segment", "--lang", "en", stdin=paragraph.encode())
    assert result.returncode == 0, result.stderr.decode()
    lines = result.stdout.decode().splitlines()
    assert len(lines) == 1
    sentences = json.loads(lines[0])
    assert sentences == ["Armenia said on Sept. 18 that it had foiled a coup.", "Russia denied it!", "Was it real?",
                         "Nobody knows."]


def test_segment_jsonl_gives_one_array_per_line() -> None:
    stdin = "One sentence. Two sentences.\nЭто первое. А это второе.\nSingle line\n"
    result = run_cli("segment", "--lang", "en", "--jsonl", stdin=stdin.encode())
    assert result.returncode == 0, result.stderr.decode()
    arrays = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert arrays == [["One sentence.", "Two sentences."], ["Это первое.", "А это второе."], ["Single line"]]


def test_segment_unknown_language() -> None:
    message = one_line_error(run_cli("segment", "--lang", "xx", stdin=b"Some text."))
    assert "'xx'" in message


# --------------------------------------------------------------------------- status


def test_status_json(database: Any) -> None:
    created = import_sample_cli("--translate", "ru")
    for ref in (str(created["id"]), created["slug"]):
        result = run_cli("status", ref, "--json")
        assert result.returncode == 0, result.stderr.decode()
        lines = result.stdout.decode().splitlines()
        assert len(lines) == 1
        status = json.loads(lines[0])
        assert set(status) == {"id", "slug", "languages"}
        assert (status["id"], status["slug"]) == (created["id"], created["slug"])
        assert list(status["languages"]) == ["ru"]
        ru = status["languages"]["ru"]
        assert set(ru) == {"states", "published"}
        assert set(ru["states"]) == {"untranslated", "queued", "draft", "translated", "approved", "needs_work",
                                     "failed", "stale"}
        assert ru["published"] is False
        # Drafts may already be arriving if a worker is around; every segment is counted exactly once.
        assert sum(ru["states"].values()) == created["segments"]


def test_status_unknown_article(database: Any) -> None:
    message = one_line_error(run_cli("status", "no-such-article", "--json"))
    assert "no-such-article" in message
    assert "'4242'" in one_line_error(run_cli("status", "4242"))


# --------------------------------------------------------------------------- publish


def test_publish_gate_and_forced_publish(database: Any) -> None:
    created = import_sample_cli("--translate", "ru")
    before = row_counts(database)

    message = one_line_error(run_cli("publish", created["slug"], "ru"))
    total = created["segments"]
    assert f"{total} of {total} segments are not approved" in message
    assert row_counts(database) == before

    message = one_line_error(run_cli("publish", created["slug"], "ru", "--force"))
    assert "reason" in message
    assert row_counts(database) == before

    message = one_line_error(run_cli("publish", created["slug"], "ru", "--reason", "breaking news"))
    assert "--force" in message
    assert row_counts(database) == before

    with database.connect() as conn:
        status = conn.execute(text("SELECT status, snapshot_id FROM language_versions WHERE lang = 'ru'")).one()
    assert status.status != "published" and status.snapshot_id is None

    result = run_cli("publish", str(created["id"]), "ru", "--force", "--reason", "breaking news")
    assert result.returncode == 0, result.stderr.decode()
    lines = result.stdout.decode().splitlines()
    assert len(lines) == 1
    published = json.loads(lines[0])
    assert published["forced"] is True
    assert published["lang"] == "ru" and published["url"] == f"/ru/{created['slug']}"

    with database.connect() as conn:
        version = conn.execute(text("SELECT status, snapshot_id FROM language_versions WHERE lang = 'ru'")).one()
        snapshot = conn.execute(text("SELECT forced, reason FROM snapshots WHERE id = :id"),
                                {"id": published["snapshot"]}).one()
        events = conn.execute(text("SELECT action, data FROM events WHERE article_id = :id AND lang = 'ru'"
                                   " AND action IN ('publish', 'force_publish')"), {"id": created["id"]}).all()
    assert version.status == "published" and version.snapshot_id == published["snapshot"]
    assert snapshot.forced is True and snapshot.reason == "breaking news"
    assert len(events) == 1
    action, data = events[0]
    data = data if isinstance(data, dict) else json.loads(data)
    assert action == "force_publish"
    assert data["reason"] == "breaking news"
    assert data["blockers"] == [f"{total} of {total} segments are not approved"]

    status = json.loads(run_cli("status", created["slug"], "--json").stdout)
    assert status["languages"]["ru"]["published"] is True


def test_publish_unknown_language_version(database: Any) -> None:
    created = import_sample_cli("--translate", "ru")
    before = row_counts(database)
    assert "'kk'" in one_line_error(run_cli("publish", created["slug"], "kk"))
    assert "'xx'" in one_line_error(run_cli("publish", created["slug"], "xx"))
    assert "source language" in one_line_error(run_cli("publish", created["slug"], "en"))
    assert row_counts(database) == before


# --------------------------------------------------------------------------- users


def test_users_create(database: Any) -> None:
    args = ("users", "create", "x@example.org", "--role", "translator", "--languages", "ru", "--password-stdin")
    result = run_cli(*args, stdin=f"{PASSWORD}\n".encode())
    assert result.returncode == 0, result.stderr.decode()
    lines = result.stdout.decode().splitlines()
    assert len(lines) == 1
    user = json.loads(lines[0])
    assert (user["email"], user["role"], user["languages"]) == ("x@example.org", "translator", ["ru"])
    assert PASSWORD not in result.stdout.decode() + result.stderr.decode()

    with database.connect() as conn:
        stored = conn.execute(text("SELECT email, role, languages, password_hash FROM users")).all()
    assert len(stored) == 1
    assert stored[0][:3] == ("x@example.org", "translator", "ru")
    assert PASSWORD not in stored[0].password_hash

    message = one_line_error(run_cli(*args, stdin=f"{PASSWORD}\n".encode()))
    assert "already exists" in message

    message = one_line_error(run_cli("users", "create", "y@example.org", "--role", "translator", "--languages", "xx",
                                     "--password-stdin", stdin=f"{PASSWORD}\n".encode()))
    assert "'xx'" in message

    message = one_line_error(run_cli("users", "create", "z@example.org", "--role", "reviewer", "--password-stdin",
                                     stdin=b"short\n"))
    assert "password" in message

    with database.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM users")).scalar_one() == 1


def test_users_create_logs_in_with_the_password(committed: Any) -> None:
    result = run_cli("users", "create", "Reviewer@Example.org", "--role", "reviewer", "--languages", "ru,kk",
                     "--password-stdin", stdin=f"{PASSWORD}\n".encode())
    assert result.returncode == 0, result.stderr.decode()
    from service.accounts import services

    user = services.authenticate("reviewer@example.org", PASSWORD)
    assert user is not None and user.language_list == ["ru", "kk"]
    assert services.authenticate("reviewer@example.org", PASSWORD + "x") is None
