"""Per-language link targets: what an override may be, and that it replaces only the href it names."""

from __future__ import annotations

import pytest

from service.articles.inline import html_to_tagged, tagged_to_html, with_targets
from service.errors import InvalidInput
from service.translation.links import link_slots, validate_href


def test_link_slots_are_the_links_with_a_target() -> None:
    text, tags = html_to_tagged('See <a href="https://example.org/a">this</a>, <em>that</em> and <a name="x">here</a>.')
    assert text == "See {1}this{/1}, {2}that{/2} and {3}here{/3}."
    assert link_slots(tags) == {"1": "https://example.org/a"}


@pytest.mark.parametrize("href", ["https://ru.example.org/статья?x=1#p", "http://example.org", "/ru/other-article"])
def test_http_urls_and_site_paths_are_accepted(href: str) -> None:
    assert validate_href(f"  {href} ") == href


@pytest.mark.parametrize("href", ["", "javascript:alert(1)", "data:text/html,x", "//evil.example/x", "ftp://x.org/",
                                  "https://", "relative/path", "https://example.org/a b", "https://x.org/\x07",
                                  "https://example.org/" + "a" * 2000])
def test_unsafe_or_unusable_targets_are_refused(href: str) -> None:
    with pytest.raises(InvalidInput):
        validate_href(href)


def test_overrides_change_only_the_named_link_and_never_the_source_tags() -> None:
    _text, tags = html_to_tagged('<a href="/a" title="A">one</a> <a href="/b">two</a>')
    changed = with_targets(tags, {"2": "https://ru.example.org/b", "9": "/nowhere"})
    assert tagged_to_html("{1}один{/1} {2}два{/2}", changed) == (
        '<a href="/a" title="A">один</a> <a href="https://ru.example.org/b">два</a>')
    assert tags["2"]["attrs"]["href"] == "/b"
    assert with_targets(tags, None) is tags
