"""URL import and batch sources against a real HTTP server on loopback (allowed here as a test server only):
address checks on every redirect hop, size limit, timeouts, declared charsets, feeds and sitemaps."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar
from urllib.parse import unquote

import pytest

from service.articles import ingest, sources
from service.errors import ImportFailed, TooLarge

RUSSIAN = ("<html><head><title>Новости</title></head><body><article><h1>Заголовок статьи</h1>"
           "<p>Президент заявил в среду, что переговоры продолжатся, — сообщили «Известия».</p>"
           "</article></body></html>")


def article(n: int) -> bytes:
    return (f"<html><body><article><h1>Article number {n}</h1><p>The body of article {n}, a sentence long "
            f"enough to be found.</p></article></body></html>").encode()


class Site(BaseHTTPRequestHandler):
    """Routes: ``/a/<n>`` articles, ``/ru`` (windows-1251, declared in the header only), feeds, sitemaps,
    redirects (``/to?<url>``), ``/huge``, ``/slow``, ``/drip``."""

    pages: ClassVar[dict[str, tuple[str, bytes]]] = {}
    hits: ClassVar[list[str]] = []

    def log_message(self, *args: object) -> None:  # keep pytest output clean
        pass

    def send(self, status: int, ctype: str, body: bytes, **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for key, value in headers.items():
            self.send_header(key.replace("_", "-"), value)
        try:
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # a client that gave up (the timeout test) is not the server's error

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.hits.append(self.path)
        path, _, query = self.path.partition("?")
        if path.startswith("/a/"):
            self.send(200, "text/html; charset=utf-8", article(int(path[3:])))
        elif path == "/to":
            self.send(302, "text/plain", b"", Location=unquote(query))
        elif path == "/huge":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()  # no Content-Length: the limit must hold while reading
            try:
                for _ in range(64):
                    self.wfile.write(b"<p>" + b"x" * 16 * 1024 + b"</p>")
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped reading at its limit, as it should
        elif path == "/slow":
            time.sleep(1.5)
            self.send(200, "text/html", article(0))
        elif path in self.pages:
            ctype, body = self.pages[path]
            self.send(200, ctype, body)
        else:
            self.send(404, "text/plain", b"not found")


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    base = f"http://127.0.0.1:{server.server_port}"
    Site.pages.update({
        "/ru": ("text/html; charset=windows-1251", RUSSIAN.encode("cp1251")),
        "/rss.xml": ("application/rss+xml", f"""<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>
            <link>{base}/</link><item><title>1</title><link>{base}/a/1</link></item>
            <item><title>2</title><link>/a/2</link></item>
            <item><title>local</title><link>file:///etc/passwd</link></item></channel></rss>""".encode()),
        "/atom": ("application/atom+xml", f"""<?xml version="1.0" encoding="utf-8"?>
            <feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>
            <entry><title>3</title><link rel="alternate" href="{base}/a/3"/>
                <link rel="enclosure" href="{base}/x.mp3"/></entry>
            <entry><title>4</title><link href="{base}/a/4"/></entry></feed>""".encode()),
        "/rdf": ("application/rdf+xml", f"""<?xml version="1.0"?>
            <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
            <channel rdf:about="{base}/"><title>R</title></channel>
            <item rdf:about="{base}/a/5"><title>5</title><link>{base}/a/5</link></item></rdf:RDF>""".encode()),
        "/sitemap.xml": ("application/xml", f"""<?xml version="1.0" encoding="UTF-8"?>
            <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
            <url><loc>{base}/a/6</loc></url><url><loc>{base}/a/7</loc></url></urlset>""".encode()),
        "/index.xml": ("text/xml", f"""<?xml version="1.0" encoding="UTF-8"?>
            <sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
            <sitemap><loc>{base}/sitemap.xml</loc></sitemap><sitemap><loc>{base}/missing.xml</loc></sitemap>
            </sitemapindex>""".encode()),
        "/xxe.xml": ("application/xml", b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
            <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&x;</loc></url></urlset>"""),
        "/empty-feed": ("application/rss+xml", b"<rss version='2.0'><channel><title>E</title></channel></rss>"),
    })  # fmt: skip
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base
    server.shutdown()
    server.server_close()


LOOPBACK = sources.FetchSettings(allow_loopback=True, timeout=5.0)


def expand(*names: str, settings: sources.FetchSettings = LOOPBACK) -> tuple[list[str], list[tuple[str, str]]]:
    errors: list[tuple[str, str]] = []
    items = sources.expand(list(names), settings, on_error=lambda s, exc: errors.append((s, exc.message)))
    return [i if isinstance(i, str) else i.source for i in items], errors


# --------------------------------------------------------------------------- address checks


def test_loopback_is_refused_unless_allowed(site):
    with pytest.raises(ImportFailed, match="private or local address"):
        ingest.read_source(f"{site}/a/1")
    data, name, ctype = ingest.read_source(f"{site}/a/1", allow_loopback=True)
    assert b"Article number 1" in data and name == f"{site}/a/1" and ctype.startswith("text/html")


@pytest.mark.parametrize("target", [
    "http://10.1.2.3/secret", "http://169.254.169.254/latest/meta-data/", "http://[fd00::1]/", "http://0.0.0.0/",
    "http://192.168.1.1/", "http://224.0.0.1/",
])  # fmt: skip
def test_every_redirect_hop_is_checked(site, target):
    Site.hits.clear()
    with pytest.raises(ImportFailed, match="private or local address"):
        ingest.read_source(f"{site}/to?{target}", allow_loopback=True, timeout=2.0)
    assert [unquote(hit) for hit in Site.hits] == [f"/to?{target}"]  # refused before any request to it


def test_redirects_to_allowed_hosts_are_followed_and_reported(site):
    data, name, _ = ingest.read_source(f"{site}/to?{site}/a/2", allow_loopback=True)
    assert b"Article number 2" in data and name == f"{site}/a/2"


def test_redirect_loops_stop(site):
    Site.pages["/loop"] = ("text/plain", b"")
    with pytest.raises(ImportFailed, match="too many redirects"):
        ingest.read_source(f"{site}/to?{site}/to?{site}/to?{site}/to?{site}/to?{site}/to?{site}/to?{site}/loop",
                           allow_loopback=True)


def test_a_malformed_redirect_is_one_clear_error(site):
    with pytest.raises(ImportFailed, match="invalid URL|not a valid URL"):
        ingest.read_source(f"{site}/to?http://[::1/x", allow_loopback=True)


def test_only_http_urls(site):
    with pytest.raises(ImportFailed, match="only http"):
        ingest.read_source(f"{site}/to?file:///etc/passwd", allow_loopback=True)


def test_size_limit_while_reading(site):
    with pytest.raises(TooLarge, match="larger than the 256 KiB limit"):
        ingest.read_source(f"{site}/huge", allow_loopback=True, max_bytes=256 * 1024)


def test_timeout(site):
    with pytest.raises(ImportFailed, match="cannot fetch .*Timeout"):
        ingest.read_source(f"{site}/slow", allow_loopback=True, timeout=0.3)


def test_http_errors_are_one_clear_message(site):
    with pytest.raises(ImportFailed, match="HTTP 404"):
        ingest.read_source(f"{site}/nothing-here", allow_loopback=True)


def test_windows_1251_declared_in_the_http_header(site):
    item = sources.fetch(f"{site}/ru", LOOPBACK)
    parsed = sources.parse(item, LOOPBACK)
    assert parsed.title == "Заголовок статьи"
    assert parsed.blocks[-1].html == "Президент заявил в среду, что переговоры продолжатся, — сообщили «Известия»."


# --------------------------------------------------------------------------- feeds and sitemaps


def test_rss_lists_its_http_links_in_order(site):
    urls, errors = expand(f"{site}/rss.xml")
    assert urls == [f"{site}/a/1", f"{site}/a/2"] and errors == []  # relative resolved, file: dropped


def test_atom_takes_the_alternate_link(site):
    assert expand(f"{site}/atom")[0] == [f"{site}/a/3", f"{site}/a/4"]


def test_rss_1_0(site):
    assert expand(f"{site}/rdf")[0] == [f"{site}/a/5"]


def test_sitemap_and_sitemap_index(site):
    assert expand(f"{site}/sitemap.xml")[0] == [f"{site}/a/6", f"{site}/a/7"]
    urls, errors = expand(f"{site}/index.xml")
    assert urls == [f"{site}/a/6", f"{site}/a/7"]
    assert errors == [(f"{site}/missing.xml", f"cannot fetch {site}/missing.xml: HTTP 404")]


def test_feed_files_and_pages_mix_and_errors_do_not_stop_the_batch(site, tmp_path):
    feed = tmp_path / "feed.xml"
    feed.write_bytes(Site.pages["/sitemap.xml"][1])
    page = tmp_path / "page.html"
    page.write_bytes(article(9))
    urls, errors = expand(str(page), str(tmp_path / "missing.html"), str(feed), f"{site}/empty-feed")
    assert urls == [str(page), f"{site}/a/6", f"{site}/a/7"]
    assert [e[0] for e in errors] == [str(tmp_path / "missing.html"), f"{site}/empty-feed"]
    assert errors[1][1] == "the feed lists no article URLs"


def test_a_feed_cannot_name_local_files(tmp_path):
    feed = tmp_path / "feed.xml"
    feed.write_text("<rss version='2.0'><channel><item><link>/etc/passwd</link></item>"
                    "<item><link>page.html</link></item></channel></rss>")
    urls, errors = expand(str(feed))
    assert urls == [] and errors == [(str(feed), "the feed lists no article URLs")]


def test_xml_entities_are_not_resolved(site):
    urls, errors = expand(f"{site}/xxe.xml")
    assert urls == [] and "root:" not in str(errors)


def test_an_xhtml_page_is_an_article_not_a_feed(tmp_path):
    page = tmp_path / "page.xhtml"
    page.write_bytes(b'<?xml version="1.0" encoding="utf-8"?>' + article(8))
    items = list(sources.expand([str(page)], LOOPBACK, on_error=lambda s, e: None))
    assert items == [str(page)]  # a local file is read again when imported, not held in memory
    assert sources.parse(sources.fetch(items[0], LOOPBACK), LOOPBACK).title == "Article number 8"
