"""Telegram's text formatting: visible text, entities in UTF-16 units, and canonical HTML."""

from __future__ import annotations

import html

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.telegram.emulator.formatting import (
    EntityParseError,
    detect_entities,
    parse_html,
    parse_markdown,
    parse_markdown_v2,
    render_html,
    strip_text,
)


def test_entity_offsets_are_utf16_code_units() -> None:
    text, entities = parse_html("😀 <b>Day 1</b>")
    assert text == "😀 Day 1"
    assert entities == [{"type": "bold", "offset": 3, "length": 5}]  # the emoji is two UTF-16 units


def test_nested_entities_come_outer_first() -> None:
    _, entities = parse_html("<b>a <i>b</i></b>")
    assert [entity["type"] for entity in entities] == ["bold", "italic"]


def test_tags_and_entities_are_case_insensitive_where_telegram_is() -> None:
    assert parse_html("<B>x</B>")[1][0]["type"] == "bold"


@given(st.text())
def test_escaped_text_parses_back_to_itself(text: str) -> None:
    assert parse_html(html.escape(text))[0] == text


@given(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1),
    st.sampled_from(["b", "i", "u", "s", "code", "tg-spoiler"]),
)
def test_rendered_html_round_trips(text: str, tag: str) -> None:
    visible, entities = parse_html(f"<{tag}>{html.escape(text)}</{tag}>")
    assert parse_html(render_html(visible, entities)) == (visible, entities)


def test_render_html_of_links_and_code_blocks() -> None:
    source = '<a href="https://example.org/?a=1&amp;b=2">x</a> <pre><code class="language-python">print(1)</code></pre>'
    assert render_html(*parse_html(source)) == source


@pytest.mark.parametrize(
    "bad", ["<", "a<b", "&", "&nbsp;", "&#xD800;", "<b>", "</b>", "<a href='x'>x", "<span>x</span>", "<b x"]
)
def test_html_errors(bad: str) -> None:
    with pytest.raises(EntityParseError):
        parse_html(bad)


def test_markdown_v2() -> None:
    text, entities = parse_markdown_v2(
        r"*bold _italic_* __under__ ~strike~ ||spoiler|| `code` [link](https://x.org/\)) 1\.5"
    )
    assert text == "bold italic under strike spoiler code link 1.5"
    assert [e["type"] for e in entities] == [
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "spoiler",
        "code",
        "text_link",
    ]
    assert entities[-1]["url"] == "https://x.org/)"
    quote_text, quote = parse_markdown_v2(">line one\n>line two\nafter")
    assert quote_text == "line one\nline two\nafter" and quote == [{"type": "blockquote", "offset": 0, "length": 17}]
    for bad in ("1.5", "*open", "`open", "[x](open"):
        with pytest.raises(EntityParseError):
            parse_markdown_v2(bad)


def test_legacy_markdown() -> None:
    assert parse_markdown("*b* _i_ `c` [t](https://x.org)")[0] == "b i c t"
    with pytest.raises(EntityParseError):
        parse_markdown("*open")


def test_leading_and_trailing_whitespace_is_trimmed_with_the_entities() -> None:
    assert strip_text("  <ab>  ", [{"type": "bold", "offset": 0, "length": 5}]) == (
        "<ab>",
        [{"type": "bold", "offset": 0, "length": 3}],
    )


def test_entities_people_type() -> None:
    entities = detect_entities("/agenda@delegate_assistant_bot see https://example.org or #day2, ask @helpdesk_team")
    assert [e["type"] for e in entities] == ["bot_command", "url", "hashtag", "mention"]
    assert entities[0]["length"] == len("/agenda@delegate_assistant_bot")
    assert detect_entities("di mana venuenya? jam 9.30") == []
