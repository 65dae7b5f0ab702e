"""The glossary with a real database: terms and their matcher, QA on approval and at the publish gate,
the CLI, the staff page and the editor's panel (rights, CSRF), and bylines written through it (#7)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests

from service.errors import Conflict, InvalidInput
from tests.conftest import FIXTURES, run_cli
from tests.factories import CHIP_CLOSE_1, CHIP_OPEN_1, csrf_from, fake_translation, make_user
from tests.integration.live import Browser, live_server
from tests.integration.test_publishing import SLUG, approve_all, drafted, staff

pytestmark = pytest.mark.integration
GLOSSARY = FIXTURES / "glossary"
HX = {"HX-Request": "true"}


def add(source: str, target: str, **flags: Any) -> Any:
    from service.glossary import services

    return services.add_term("en", "ru", services.TermInput(source, target, **flags))


def found(text: str) -> list[tuple[str, tuple[str, ...]]]:
    from service.glossary import services

    return [(hit.term, hit.targets) for hit in services.hits(text, "en", "ru")]


# --- terms and the matcher ------------------------------------------------------------------------

def test_the_matcher_follows_every_change(db: Any) -> None:
    from service.glossary import services

    text = "The ceasefire in Yerevan held."
    assert found(text) == []
    ceasefire = add("ceasefire", "прекращение огня")
    assert found(text) == [("ceasefire", ("прекращение огня",))]
    add("Yerevan", "Ереван", case_sensitive=True)
    assert found(text) == [("ceasefire", ("прекращение огня",)), ("Yerevan", ("Ереван",))]
    services.update_term(ceasefire.id, services.TermInput("Ceasefire", "прекращение огня", case_sensitive=True))
    assert found(text) == [("Yerevan", ("Ереван",))]
    services.delete_term(ceasefire.id)
    assert [t.source for t in services.list_terms("en", "ru")] == ["Yerevan"]
    assert services.engine_glossary("en", "ru") == {"Yerevan": "Ереван"}


def test_bad_terms_are_refused(db: Any) -> None:
    add("ceasefire", "прекращение огня")
    with pytest.raises(Conflict, match="already has 'ceasefire' → 'прекращение огня'"):
        add(" ceasefire ", "прекращение  огня")
    with pytest.raises(InvalidInput, match="needs a source term and a target term"):
        add("truce", " ")
    with pytest.raises(InvalidInput, match="unknown language code 'xx-QQQ'"):
        from service.glossary import services

        services.add_term("xx-QQQ", "ru", services.TermInput("a", "б"))


def test_the_matcher_sees_terms_another_process_added(committed: Any, tmp_path: Path) -> None:
    assert found("The ceasefire held.") == []
    done = run_cli("glossary", "import", str(GLOSSARY / "en-ru.csv"), "--source-lang", "en", "--target-lang", "ru")
    assert done.returncode == 0, done.stderr
    with committed.app_context():  # a new request or task: the pair's stamp is read again
        assert found("The ceasefire held.") == [("ceasefire", ("прекращение огня",))]


# --- QA on approval and at the publish gate ---------------------------------------------------------

def segment_with(article: Any, word: str) -> Any:
    return next(s for s in article.segments if word in s.source)


def test_a_forbidden_term_blocks_approval_and_publishing(db: Any) -> None:
    from service.publishing.checks import qa_error_blockers
    from service.review import services

    translator, reviewer, _editor = staff(("ru",))
    article = drafted(("ru",))
    segment = segment_with(article, "Yerevan")
    row = services.get_translation(article.id, "ru", segment.id)
    services.save(row, translator, text=fake_translation(segment.source, 1) + " Эривань", base_version=row.version)
    services.approve(row, reviewer, base_version=row.version)  # no glossary yet: nothing to object to
    assert qa_error_blockers(article, "ru") == []

    add("Yerevan", "Ереван")
    add("Yerevan", "Эривань", forbidden=True)
    blockers = qa_error_blockers(article, "ru")
    assert len(blockers) == 1 and "'Эривань' must not be used (for 'Yerevan')" in blockers[0]

    services.save(row, translator, text=fake_translation(segment.source, 1) + " Эривань.", base_version=row.version)
    with pytest.raises(InvalidInput, match="quality check: 'Эривань' must not be used"):
        services.approve(row, reviewer, base_version=row.version)
    services.save(row, translator, text=fake_translation(segment.source, 1) + " Ереван.", base_version=row.version)
    assert services.approve(row, reviewer, base_version=row.version).state == "approved"
    assert qa_error_blockers(article, "ru") == []


# --- command line ---------------------------------------------------------------------------------

def cli_json(*args: str) -> list[Any]:
    done = run_cli("glossary", *args)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.decode().splitlines()]


def test_cli_import_export_and_list(committed: Any, tmp_path: Path) -> None:
    assert cli_json("import", str(GLOSSARY / "en-ru.csv"), "--source-lang", "en", "--target-lang", "ru") == [
        {"terms": 4, "added": 4, "updated": 0}]
    assert cli_json("import", str(GLOSSARY / "en-ru.csv"), "--source-lang", "en", "--target-lang", "ru") == [
        {"terms": 4, "added": 0, "updated": 0}]  # importing again changes nothing
    # The TBX adds Kazakh and a name, and brings its own notes to three terms the CSV had.
    assert cli_json("import", str(GLOSSARY / "en-ru.tbx")) == [{"terms": 5, "added": 2, "updated": 3}]

    listed = cli_json("list", "--target-lang", "ru", "--search", "ceasefire")
    assert [(t["target"], t["forbidden"]) for t in listed] == [("прекращение огня", False), ("перемирие", True)]
    assert [t["target"] for t in cli_json("list", "--target-lang", "kk")] == ["атысты тоқтату"]

    assert cli_json("export", "-o", str(tmp_path / "ru.tbx"), "--source-lang", "en", "--target-lang", "ru") == [
        {"exported": 5, "file": str(tmp_path / "ru.tbx"), "format": "tbx"}]
    csv_out = run_cli("glossary", "export", "--target-lang", "ru").stdout.decode()
    assert csv_out.splitlines()[0] == "source_lang,target_lang,source,target,notes,forbidden,case_sensitive"
    assert "en,ru,Dream,«Грузинская мечта»,the party,no,yes" in csv_out.splitlines()

    # The exports read back into an empty glossary hold the same terms.
    before = cli_json("list", "--target-lang", "ru")
    (tmp_path / "ru.csv").write_text(csv_out, encoding="utf-8")
    from tests.conftest import truncate_all

    truncate_all(committed)
    assert cli_json("import", str(tmp_path / "ru.csv")) == [{"terms": 5, "added": 5, "updated": 0}]
    key = ("source", "target", "notes", "forbidden", "case_sensitive")
    assert sorted(tuple(t[k] for k in key) for t in cli_json("list")) == sorted(tuple(t[k] for k in key)
                                                                                for t in before)


@pytest.mark.parametrize(("content", "message"), [
    ("source,target,forbidden\nceasefire,прекращение огня,no\nDream,«Мечта»,maybe\n",
     "error: line 3: forbidden must be yes or no, not 'maybe'"),
    ("source,target\nceasefire,прекращение огня\ntruce,\n",
     "error: line 3: a glossary term needs a source term and a target term"),
    ("source,target\nceasefire,прекращение огня\nceasefire,прекращение огня\n",
     "error: line 3: 'ceasefire' → 'прекращение огня' appears twice"),
])
def test_cli_bad_file_gives_one_line_and_writes_nothing(committed: Any, tmp_path: Path, content: str,
                                                        message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    done = run_cli("glossary", "import", str(path), "--source-lang", "en", "--target-lang", "ru")
    assert done.returncode == 1
    assert done.stderr.decode().strip() == message
    assert cli_json("list") == []


def test_cli_refuses_missing_files_and_entity_tbx(committed: Any) -> None:
    missing = run_cli("glossary", "import", "/nonexistent/terms.csv", "--source-lang", "en", "--target-lang", "ru")
    assert missing.returncode == 1 and missing.stderr.decode().strip() == "error: no such file: /nonexistent/terms.csv"
    bomb = run_cli("glossary", "import", str(GLOSSARY / "entities.tbx"))
    assert bomb.returncode == 1 and "declaring entities are refused" in bomb.stderr.decode()
    assert cli_json("list") == []


# --- the staff page ---------------------------------------------------------------------------------

def test_editors_manage_terms_and_translators_read_them(committed: Any) -> None:
    make_user("editor@example.org", "editor")
    make_user("tr-ru@example.org", "translator", "ru")
    make_user("tr-kk@example.org", "translator", "kk")
    with live_server(committed) as base:
        editor = Browser(base)
        editor.login("editor@example.org")
        page = editor.get("/glossary?source_lang=en&target_lang=ru")
        assert page.status_code == 200 and "Add a term" in page.text
        data = {"source_lang": "en", "target_lang": "ru", "source": "ceasefire", "target": "прекращение огня",
                "notes": "not a truce"}
        added = editor.post_form("/glossary?target_lang=ru", "/glossary/terms", data)
        assert added.status_code == 200 and "Added ceasefire → прекращение огня." in added.text
        assert "<td>not a truce</td>" in added.text
        again = editor.post_form("/glossary?target_lang=ru", "/glossary/terms", data)
        assert again.status_code == 409 and "already has" in again.text and 'role="alert"' in again.text
        no_csrf = editor.http.post(f"{base}/glossary/terms", data=data, timeout=10)
        assert no_csrf.status_code == 400

        translator = Browser(base)
        translator.login("tr-ru@example.org")
        seen = translator.get("/glossary?source_lang=en&target_lang=ru")
        assert seen.status_code == 200 and "прекращение огня" in seen.text
        assert "Add a term" not in seen.text and "/delete" not in seen.text
        refused = translator.http.post(f"{base}/glossary/terms", timeout=10,
                                       data={**data, "source": "truce", "csrf_token": csrf_from(seen.text)})
        assert refused.status_code == 403
        exported = translator.get("/glossary/export?source_lang=en&target_lang=ru&format=tbx")
        assert exported.status_code == 200 and "прекращение огня" in exported.text

        other = Browser(base)
        other.login("tr-kk@example.org")
        assert other.get("/glossary?source_lang=en&target_lang=ru").status_code == 403

        from service.glossary import services

        [term] = services.list_terms("en", "ru")
        deleted = translator.http.post(f"{base}/glossary/terms/{term.id}/delete", timeout=10,
                                       data={"csrf_token": csrf_from(seen.text)})
        assert deleted.status_code == 403
        page = editor.get("/glossary?target_lang=ru").text
        gone = editor.http.post(f"{base}/glossary/terms/{term.id}/delete", data={"csrf_token": csrf_from(page)},
                                timeout=10)
        assert gone.status_code == 200 and "No terms for this language pair yet." in gone.text
        assert editor.get("/glossary?target_lang=zz-Nope").status_code == 400


def test_editors_import_a_file_on_the_page_all_or_nothing(committed: Any, tmp_path: Path) -> None:
    from service.glossary import services

    make_user("editor@example.org", "editor")
    make_user("tr-ru@example.org", "translator", "ru")
    with live_server(committed) as base:
        editor = Browser(base)
        editor.login("editor@example.org")

        def upload(who: Browser, path: Path) -> requests.Response:
            page = who.get("/glossary?source_lang=en&target_lang=ru").text
            return who.http.post(f"{base}/glossary/import", timeout=10,
                                 data={"csrf_token": csrf_from(page), "source_lang": "en", "target_lang": "ru"},
                                 files={"file": (path.name, path.read_bytes())})

        bad = upload(editor, GLOSSARY / "bad-flag.csv")
        assert bad.status_code == 400 and "line 3: forbidden must be yes or no, not &#39;maybe&#39;" in bad.text
        kazakh = tmp_path / "kk.csv"
        kazakh.write_text("source_lang,target_lang,source,target\nen,ru,truce,перемирие\nen,kk,truce,бітім\n")
        other_pairs = upload(editor, kazakh)
        assert other_pairs.status_code == 400 and "other language pairs (en→kk)" in other_pairs.text
        assert services.list_terms() == []
        done = upload(editor, GLOSSARY / "en-ru.tbx")  # only the page's pair is taken from a TBX file
        assert done.status_code == 200 and "Imported 4 terms: 4 added, 0 updated." in done.text
        assert "Никол Пашинян" in done.text and {t.target_lang for t in services.list_terms()} == {"ru"}

        translator = Browser(base)
        translator.login("tr-ru@example.org")
        assert upload(translator, GLOSSARY / "en-ru.csv").status_code == 403


# --- the editor's panel ----------------------------------------------------------------------------

def test_segment_panel_lists_hits_with_the_tm_panel_rights(committed: Any) -> None:
    make_user("tr-ru@example.org", "translator", "ru")
    make_user("tr-kk@example.org", "translator", "kk")
    article = drafted(("ru",))
    segment = segment_with(article, "Nikol Pashinyan’s government")
    plain = segment_with(article, "13 of 16 points")
    add("Nikol Pashinyan", "Никол Пашинян", notes="Prime Minister of Armenia")
    add("Yerevan", "Эривань", forbidden=True)
    url = f"/review/{article.id}/ru/segments/{segment.id}/glossary"
    with live_server(committed) as base:
        translator = Browser(base)
        translator.login("tr-ru@example.org")
        fragment = translator.get(url, headers=HX)
        assert fragment.status_code == 200 and "<html" not in fragment.text
        assert '<strong lang="ru">Никол Пашинян</strong>' in fragment.text
        assert "Prime Minister of Armenia" in fragment.text and "<s lang=\"ru\">Эривань</s>" in fragment.text
        full = translator.get(url).text
        assert "<html" in full and '<mark class="term" title="Никол Пашинян · Prime Minister of Armenia">' \
            'Nikol Pashinyan</mark>' in full
        none = translator.get(f"/review/{article.id}/ru/segments/{plain.id}/glossary", headers=HX).text
        assert "No glossary terms in this segment." in none

        other = Browser(base)
        other.login("tr-kk@example.org")
        assert other.get(url, headers=HX).status_code == 403
        assert translator.get(f"/review/{article.id}/ru/segments/999999/glossary").status_code == 404
        assert requests.get(base + url, timeout=10, allow_redirects=False).status_code in (302, 401)


def test_the_editor_marks_terms_in_the_source_and_follows_glossary_changes(committed: Any) -> None:
    """The editor keeps rendered segments per process; a new term must still show up on the next load."""
    make_user("tr-ru@example.org", "translator", "ru")
    article = drafted(("ru",))
    segment = segment_with(article, "Nikol Pashinyan’s government")
    mark = '<mark class="term" title="Никол Пашинян">Nikol Pashinyan</mark>'
    with live_server(committed) as base:
        translator = Browser(base)
        translator.login("tr-ru@example.org")
        editor = f"/review/{article.id}/ru"
        before = translator.get(editor).text
        assert f'id="seg-{segment.id}"' in before and mark not in before and '<mark class="term"' not in before
        add("Nikol Pashinyan", "Никол Пашинян")
        after = translator.get(editor).text
        source = after.split(f'id="seg-{segment.id}"', 1)[1].split('<div class="work">', 1)[0]
        assert mark in source
        assert "Glossary" in after and f"/segments/{segment.id}/glossary" in after  # the side-panel slot


def test_templates_mark_terms_with_the_global_and_the_filter(app: Any, db: Any) -> None:
    from flask import render_template_string

    add("Nikol Pashinyan", "Никол Пашинян")
    template = "{{ src|tagchips|glossary_marks(glossary_hits(src, 'en', 'ru')) }}"
    with app.test_request_context():
        html = render_template_string(template, src="PM {1}Nikol Pashinyan{/1} & co.")
    assert html == ('PM ' + CHIP_OPEN_1 + '<mark class="term" title="Никол Пашинян">'
                    'Nikol Pashinyan</mark>' + CHIP_CLOSE_1 + ' &amp; co.')


# --- bylines (#7) ------------------------------------------------------------------------------------

def test_untranslated_byline_is_written_through_the_glossary(committed: Any) -> None:
    from service.glossary.services import byline_texts
    from service.publishing import services as publishing
    from service.review import services

    translator, reviewer, editor = staff(("ru",))
    article = drafted(("ru",))
    [byline] = [s for b in article.blocks if b.kind == "byline" for s in b.segments]
    approve_all(article, "ru", translator, reviewer, positions={s.position for s in article.segments} - {
        byline.position})
    row = services.get_translation(article.id, "ru", byline.id)
    services.save(row, translator, text=byline.source, base_version=row.version)  # the name left as it is
    services.approve(row, reviewer, base_version=row.version)
    add("Ani Avetisyan", "Ани Аветисян")
    publishing.publish(article, "ru", user_id=editor.id)
    with live_server(committed) as base:
        ru = requests.get(f"{base}/ru/{SLUG}", timeout=10).text
        en = requests.get(f"{base}/en/{SLUG}", timeout=10).text
    assert '<span class="article__author"><a href="/authors/ani-avetisyan">Ани Аветисян</a></span>' in ru
    assert '<a href="/authors/ani-avetisyan">Ani Avetisyan</a>' in en  # the source keeps its spelling

    own = {byline.id: "{1}Ани Аветисьян{/1}"}
    assert byline_texts(article, "ru", own) == own  # a translator's own spelling wins over the glossary
    assert byline_texts(article, "en", {}) == {}


def test_the_pipeline_gives_the_pairs_glossary_to_deepl(app: Any, db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch drafted with DeepL creates the pair's glossary once (TSV) and sends its id with the texts."""
    from service.translation.machinery import deepl
    from service.translation.machinery.base import CACHE
    from service.translation.pipeline import translate_batch
    from tests.factories import import_sample
    from tests.unit.engines.servers import API_KEY, serve
    from tests.unit.engines.test_deepl_glossary import DeepLGlossaryHandler

    DeepLGlossaryHandler.glossaries.clear()
    deepl._glossary_ids.clear()
    CACHE.clear()
    add("Nikol Pashinyan", "Никол Пашинян")
    add("Yerevan", "Эривань", forbidden=True)  # never offered to an engine
    for server in serve(DeepLGlossaryHandler):
        for key, value in {"MT_ENGINE": "deepl", "DEEPL_URL": server.url, "DEEPL_API_KEY": API_KEY}.items():
            monkeypatch.setitem(app.config, f"TRANSDESK_{key}", value)
        article = import_sample(languages=["ru"])
        segment = segment_with(article, "Nikol Pashinyan’s government")
        assert translate_batch(article.id, "ru", [s.id for s in article.segments]) == len(article.segments)
        paths = [r.path for r in server.requests]
        assert paths[0] == "/v2/glossaries" and paths.count("/v2/glossaries") == 1 and "/v2/translate" in paths
        assert server.requests[0].body["entries"] == "Nikol Pashinyan\tНикол Пашинян"
        assert all(r.body["glossary_id"] == "def3a26b-0000" for r in server.requests if r.path == "/v2/translate")
        from service.review.services import get_translation

        assert "Никол Пашинян" in (get_translation(article.id, "ru", segment.id).text or "")
    CACHE.clear()
