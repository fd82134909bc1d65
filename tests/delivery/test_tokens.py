"""Signed link tokens: they name a delivery, and nothing but a genuine, fresh token is read."""

from __future__ import annotations

import time

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import Engine

from briefcast.delivery.tokens import ExpiredToken, Purpose, Signer, TokenError, signing_key

KEY = "a test key that is not a secret"


@pytest.fixture
def signer() -> Signer:
    return Signer(KEY)


@pytest.mark.parametrize("purpose", list(Purpose))
@pytest.mark.parametrize("delivery_id", [1, 42, 2**40])
def test_round_trip(signer, purpose, delivery_id):
    token = signer.make(purpose, delivery_id)
    assert signer.read(purpose, token) == delivery_id
    assert signer.read(purpose, token, max_age=3600) == delivery_id


@pytest.mark.parametrize("purpose", list(Purpose))
def test_the_token_is_the_one_itsdangerous_makes(signer, purpose):
    serializer = URLSafeTimedSerializer(KEY, salt=f"briefcast.{purpose.value}")
    while True:  # both within one second, as the token carries the time in seconds
        second = int(time.time())
        ours, theirs = signer.make(purpose, 2**40 + 7), serializer.dumps(2**40 + 7)
        if int(time.time()) == second:
            break
    assert ours == theirs


def test_a_token_is_url_safe_and_carries_no_address(signer):
    token = signer.make(Purpose.UNSUBSCRIBE, 42)
    assert all(char.isalnum() or char in "-_." for char in token)
    assert "@" not in token


def test_a_tampered_token_is_refused(signer):
    token = signer.make(Purpose.ACKNOWLEDGE, 42)
    payload, timestamp, signature = token.split(".")
    forged = f"{signer.make(Purpose.ACKNOWLEDGE, 43).split('.')[0]}.{timestamp}.{signature}"
    # Flip the signature's first character: all six of its bits count. (The last character of a
    # base64 signature carries padding bits, so changing it can leave the signature the same.)
    flipped = f"{payload}.{timestamp}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    for bad in (forged, flipped, f"{payload}.{timestamp}.", f"{payload}..{signature}"):
        with pytest.raises(TokenError, match="not valid"):
            signer.read(Purpose.ACKNOWLEDGE, bad)


@pytest.mark.parametrize("cut", [1, 5, 20])
def test_a_truncated_token_is_refused(signer, cut):
    token = signer.make(Purpose.VIEW, 42)
    with pytest.raises(TokenError):
        signer.read(Purpose.VIEW, token[:-cut])


@pytest.mark.parametrize("garbage", ["", ".", "..", "not-a-token", "a.b.c"])
def test_garbage_is_refused(signer, garbage):
    with pytest.raises(TokenError):
        signer.read(Purpose.VIEW, garbage)


def test_a_token_for_another_purpose_is_refused(signer):
    # An acknowledgement link must not work as an unsubscribe link, and so on.
    for made in Purpose:
        token = signer.make(made, 42)
        for read in Purpose:
            if read is not made:
                with pytest.raises(TokenError):
                    signer.read(read, token)


def test_a_token_signed_with_another_key_is_refused(signer):
    token = Signer("another key").make(Purpose.UNSUBSCRIBE, 42)
    with pytest.raises(TokenError):
        signer.read(Purpose.UNSUBSCRIBE, token)


class AnHourAgo(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(time.time()) - 3600


def test_an_expired_token_is_told_apart(signer):
    # A genuine token dated an hour ago, made with our key and salt (no sleeping in tests).
    serializer = URLSafeTimedSerializer(
        KEY, salt=f"briefcast.{Purpose.ACKNOWLEDGE.value}", signer=AnHourAgo
    )
    token = serializer.dumps(42)
    with pytest.raises(ExpiredToken, match="expired"):
        signer.read(Purpose.ACKNOWLEDGE, token, max_age=60)
    assert signer.read(Purpose.ACKNOWLEDGE, token, max_age=7200) == 42
    assert signer.read(Purpose.ACKNOWLEDGE, token) == 42  # no age limit: still good
    assert issubclass(ExpiredToken, TokenError)


@pytest.mark.parametrize("payload", ["42", 4.2, True, None, [42], {"id": 42}])
def test_a_genuine_token_that_does_not_name_a_delivery_is_refused(payload):
    # Signed with our key and salt, but not an int: only a bug or a stolen key could make one.
    serializer = URLSafeTimedSerializer(KEY, salt=f"briefcast.{Purpose.VIEW.value}")
    with pytest.raises(TokenError, match="not valid"):
        Signer(KEY).read(Purpose.VIEW, serializer.dumps(payload))


def test_the_signing_key_follows_the_secret_key(engine: Engine):
    with engine.begin() as conn:
        derived = signing_key(conn, "the secret")
        assert derived == signing_key(conn, "the secret")
        assert derived != signing_key(conn, "another secret")
        assert "the secret" not in derived


def test_without_a_secret_key_one_random_key_is_kept_in_the_database(engine: Engine):
    with engine.begin() as conn:
        first = signing_key(conn, None)
    with engine.begin() as conn:
        assert signing_key(conn, None) == first
    assert len(first) == 64
