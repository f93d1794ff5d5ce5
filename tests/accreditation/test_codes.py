"""What counts as an accreditation code, as delegates type or paste it."""

from __future__ import annotations

import pytest

from bot.accreditation.codes import ALPHABET, LENGTH, code_hash, find_code, looks_like_code, new_code, normalise


def test_new_codes_are_grouped_and_use_no_look_alike_characters() -> None:
    codes = {new_code() for _ in range(2000)}

    assert len(codes) == 2000
    for code in codes:
        groups = code.split("-")
        assert [len(g) for g in groups] == [4, 4, 4]
        assert set("".join(groups)) <= set(ALPHABET)
        assert not set("".join(groups)) & set("01OIL")


@pytest.mark.parametrize("typed", ["7KQ4-M9XP-AB2D", "7kq4 m9xp ab2d", " 7KQ4M9XPAB2D ", "7kq4_m9xp.ab2d"])
def test_a_code_is_found_however_it_is_typed(typed: str) -> None:
    assert normalise(typed) == "7KQ4M9XPAB2D"
    assert looks_like_code(typed)


@pytest.mark.parametrize("text", ["where is the venue?", "PROGRAMMATIC", "password1234", "hello there", "7KQ4-M9XP", "", "日本語日本語日本語日本語"])
def test_ordinary_messages_are_not_taken_for_codes(text: str) -> None:
    assert not looks_like_code(text)


def test_only_the_hash_of_a_code_is_kept() -> None:
    digest = code_hash("7KQ4M9XPAB2D")

    assert len(digest) == 64 and "7KQ4" not in digest
    assert len(normalise(new_code()) or "") == LENGTH


@pytest.mark.parametrize(("text", "code"), [
    ("my code is 7KQ4-M9XP-AB2D", "7KQ4-M9XP-AB2D"),
    ("kode saya 7kq4-m9xp-ab2d ya", "7kq4-m9xp-ab2d"),
    ("7KQ4 M9XP AB2D", "7KQ4 M9XP AB2D"),
    ("the state-of-the-art session", None),
    ("codes 7KQ4-M9XP-AB2D and 8KQ4-M9XP-AB2D", None),  # which one? better ask than guess
    ("call +62-21-5000-2019", None),
])
def test_a_code_is_found_inside_a_sentence_only_in_its_printed_form(text: str, code: str | None) -> None:
    assert find_code(text) == code
