"""Questions in a language the model does not understand are recognised offline, and only those:
Thai, Chinese, Japanese, Korean and Vietnamese are named; English, Indonesian, Malay, names, digits
and emoji are left to the model, however short."""

from __future__ import annotations

import pytest

from nlu.language import UNDERSTOOD, unsupported_language


def test_the_model_understands_english_indonesian_and_malay() -> None:
    assert UNDERSTOOD == ("en", "id", "ms")


@pytest.mark.parametrize(("text", "language"), [
    ("สถานที่จัดงานอยู่ที่ไหนครับ", "th"),
    ("รหัส wifi คืออะไร", "th"),
    ("会场在哪里？", "zh_Hans"),
    ("开幕式几点开始", "zh_Hans"),
    ("会場はどこですか？", "ja"),
    ("wifi のパスワードは？", "ja"),
    ("Retno Marsudi さんはいつ話しますか", "ja"),
    ("와이파이 비밀번호가 뭐예요?", "ko"),
    ("개회식은 몇 시에 시작해요?", "ko"),
    ("Hội nghị diễn ra ở đâu?", "vi"),
    ("mật khẩu wifi là gì", "vi"),
    ("Mấy giờ bắt đầu phiên khai mạc?", "vi"),
    ("cảm ơn", "vi"),
])
def test_a_question_in_another_script_or_in_vietnamese_is_recognised(text: str, language: str) -> None:
    assert unsupported_language(text) == language


@pytest.mark.parametrize("text", [
    "where is the venue?", "wifi?", "ok", "hi", "thanks!", "what time sesi 2?",
    "dmn venue nya", "jadwal bsk apa aja", "makasih ya", "p",
    "bila ucaptama menteri?", "kat mana tandas", "nk tanya", "x faham", "tq",
    "Retno Marsudi", "Cecep Herawan?", "when does Nguyễn Văn An speak?", "is José Ramos-Horta coming?", "café?",
    "😀👍🎉", "123", "?!", "", "Mulia 会場",
])
def test_short_english_indonesian_malay_names_and_emoji_are_left_to_the_model(text: str) -> None:
    assert unsupported_language(text) is None


def test_vietnamese_typed_without_its_marks_is_left_to_the_model() -> None:
    assert unsupported_language("hoi nghi o dau") is None


def test_kanji_only_text_is_japanese_for_a_japanese_delegate_and_chinese_otherwise() -> None:
    assert unsupported_language("会場", delegate_language="ja") == "ja"
    assert unsupported_language("会場", delegate_language="en") == "zh_Hans"
    assert unsupported_language("会場") == "zh_Hans"
