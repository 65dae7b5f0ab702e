from __future__ import annotations

import pytest

from service.articles.inline import html_to_tagged, placeholders, strip_placeholders, tagged_to_html

TRICKY = [
    'Lavrov <a href="https://x.test/?a=1&amp;b=2" title="a &quot;q&quot;">recently announced</a> that',
    '<em>outer <strong>inner <a href="x">deep</a></strong> tail</em>',
    "line one<br>line two<br>",
    "set {x} and }} braces {1} literal",
    "a &amp; b &lt; c &gt; d",
    "non&nbsp;breaking&nbsp;",
    '<span lang="ru">привет</span> world',
    "",
]


def test_link_becomes_placeholder_with_attrs_hidden():
    text, tags = html_to_tagged('Lavrov <a href="x">recently announced</a> that')
    assert text == "Lavrov {1}recently announced{/1} that"
    assert tags == {"1": {"name": "a", "attrs": {"href": "x"}}}


def test_nested_and_void_numbered_in_document_order():
    text, tags = html_to_tagged("<em>a <strong>b</strong></em><br>c")
    assert text == "{1}a {2}b{/2}{/1}{3/}c"
    assert [tags[k]["name"] for k in ("1", "2", "3")] == ["em", "strong", "br"]
    assert placeholders(text) == ["{1}", "{2}", "{/2}", "{/1}", "{3/}"]


def test_braces_escaped_and_entities_decoded():
    text, tags = html_to_tagged("{1} &amp; &nbsp;<b>}</b>")
    assert text == "{{1}} & \u00a0{1}}}{/1}"
    assert placeholders(text) == ["{1}", "{/1}"]
    assert strip_placeholders(text) == "{1} & \u00a0}"


@pytest.mark.parametrize("html", TRICKY)
def test_round_trip_exact(html):
    assert tagged_to_html(*html_to_tagged(html)) == html


def test_attrs_serialized_in_fixed_order():
    text, tags = html_to_tagged('<a title="t" href="h" hreflang="en">x</a>')
    assert tagged_to_html(text, tags) == '<a href="h" hreflang="en" title="t">x</a>'


@pytest.mark.parametrize(
    "text",
    ["{1}open only", "close only{/1}", "{2}unknown{/2}", "{1}{1}twice{/1}{/1}", "{3}{1}crossed{/3}{/1}"],
)
def test_bad_placeholders_raise(text):
    tags = {"1": {"name": "em", "attrs": {}}, "3": {"name": "b", "attrs": {}}}
    with pytest.raises(ValueError):
        tagged_to_html(text, tags)


def test_reordered_placeholders_are_fine():
    tags = {"1": {"name": "a", "attrs": {"href": "x"}}, "2": {"name": "br", "attrs": {}}}
    assert tagged_to_html("{2/}{1}b{/1} a", tags) == '<br><a href="x">b</a> a'


# --------------------------------------------------------------------------- protected content


def test_code_becomes_one_void_placeholder_keeping_its_content():
    text, tags = html_to_tagged("Run <code>ls  -l {x} &amp; <b>y</b></code> now")
    assert text == "Run {1/} now"
    assert strip_placeholders(text) == "Run  now"  # translators and engines never see the code
    assert tags["1"]["name"] == "code"
    assert tagged_to_html(text, tags) == "Run <code>ls  -l {x} &amp; <b>y</b></code> now"


def test_translate_no_on_any_inline_element_is_protected():
    text, tags = html_to_tagged('<em translate="no">Le <b>Monde</b></em> wrote <span translate="NO">x</span>')
    assert text == "{1/} wrote {2/}"
    assert tagged_to_html(text, tags) == '<em translate="no">Le <b>Monde</b></em> wrote <span translate="NO">x</span>'


def test_translate_yes_is_an_ordinary_tag():
    assert html_to_tagged('<span translate="yes">x</span>')[0] == "{1}x{/1}"


def test_protected_placeholder_can_move_but_not_open_or_close():
    text, tags = html_to_tagged("A <code>f()</code> call.")
    assert tagged_to_html("Вызов {1/}.", tags) == "Вызов <code>f()</code>."
    for broken in ("{1}f{/1}", "{1}x"):
        with pytest.raises(ValueError):
            tagged_to_html(broken, tags)


def test_the_reserved_key_cannot_come_from_html():
    # No parsed attribute name has a space, so page markup can never smuggle content into a protected tag.
    text, tags = html_to_tagged('<em  inner="<script>">x</em>')
    assert tags["1"]["attrs"] == {"inner": "<script>"} and text == "{1}x{/1}"
    assert tagged_to_html(text, tags) == '<em inner="&lt;script&gt;">x</em>'  # an attribute, escaped, not content


def test_unclosed_and_nested_protected_content_round_trips():
    text, tags = html_to_tagged("a <code>x <i>y</code> b <code>z")
    assert text == "a {1/} b {2/}"
    html = tagged_to_html(text, tags)
    assert html == "a <code>x <i>y</i></code> b <code>z</code>"
    assert tagged_to_html(*html_to_tagged(html)) == html
