"""Telegram's initData, validated as Telegram documents it: the signature of the sorted fields with the
bot token's key, auth_date no older than the configured age on the bot's own clock; everything else
refused."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl, urlencode

import pytest

from bot.miniapp.initdata import InitDataError, InitDataValidator, sign_init_data

TOKEN = "123456:TEST-token"
NOW = datetime(2019, 9, 10, 3, 15, tzinfo=timezone.utc)
ANA = {"id": 4242, "first_name": "Ana", "last_name": "Putri", "language_code": "id", "allows_write_to_pm": True}
validator = InitDataValidator(TOKEN, timedelta(hours=1))


def signed(user: dict[str, object] = ANA, at: datetime = NOW, token: str = TOKEN, **fields: str) -> str:
    return sign_init_data(token, user, at, **fields)


def test_correctly_signed_init_data_names_the_user() -> None:
    user = validator.validate(signed(query_id="AAE1", chat_type="sender", signature="c2ln"), NOW + timedelta(minutes=5))

    assert (user.id, user.first_name, user.language_code) == (4242, "Ana", "id")


def test_the_hash_is_checked_over_the_fields_sorted_without_the_hash() -> None:
    """Telegram's own example of the data-check-string: the fields in alphabetical order, one per line."""
    fields = dict(parse_qsl(signed(query_id="q1")))
    reordered = urlencode(sorted(fields.items(), reverse=True))

    assert validator.validate(reordered, NOW).id == 4242


@pytest.mark.parametrize("tamper", [
    lambda f: {**f, "user": f["user"].replace("4242", "4243")},  # another user
    lambda f: {**f, "auth_date": str(int(f["auth_date"]) + 1)},  # a field changed
    lambda f: {**f, "hash": f["hash"][:-1] + ("0" if f["hash"][-1] != "0" else "1")},  # the hash changed
    lambda f: {k: v for k, v in f.items() if k != "hash"},  # no hash
    lambda f: {**f, "extra": "added after signing"},  # a field added
])
def test_forged_init_data_is_refused(tamper) -> None:  # type: ignore[no-untyped-def]
    forged = urlencode(tamper(dict(parse_qsl(signed()))))

    with pytest.raises(InitDataError):
        validator.validate(forged, NOW)


def test_init_data_signed_for_another_bot_is_refused() -> None:
    with pytest.raises(InitDataError):
        validator.validate(signed(token="654321:OTHER"), NOW)


def test_init_data_older_than_the_allowed_age_or_from_the_future_is_refused() -> None:
    validator.validate(signed(at=NOW - timedelta(minutes=59)), NOW)
    with pytest.raises(InitDataError, match="expired"):
        validator.validate(signed(at=NOW - timedelta(minutes=61)), NOW)
    with pytest.raises(InitDataError, match="future"):
        validator.validate(signed(at=NOW + timedelta(hours=1)), NOW)


@pytest.mark.parametrize("raw", [None, "", "garbage", "hash=abc", "a=1&a=2&hash=x", "x" * 5000])
def test_missing_or_malformed_init_data_is_refused(raw: str | None) -> None:
    with pytest.raises(InitDataError):
        validator.validate(raw, NOW)


def test_init_data_without_a_user_or_naming_a_bot_is_refused() -> None:
    with pytest.raises(InitDataError):
        validator.validate(signed(user={"id": 0, "first_name": "Nobody"}), NOW)
    with pytest.raises(InitDataError):
        validator.validate(signed(user={"id": 7, "first_name": "Bot", "is_bot": True}), NOW)
