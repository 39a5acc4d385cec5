"""Secrets are masked in every form an output can hold them in."""

from __future__ import annotations

import base64
import html
import json
import time
from urllib.parse import quote, quote_plus

import pytest

from evalgate import masking
from tests.support.timing import timed_variant

TOKEN = 'tok-Q"uo\\te/9z+Ab_c%d'


def _forms(token: str) -> dict[str, str]:
    raw = token.encode()
    return {
        "raw": token,
        "json": json.dumps(token)[1:-1],
        "json ascii": json.dumps(token + "é", ensure_ascii=True)[1:-1],
        "html": html.escape(token),
        "url path": quote(token),
        "url component": quote(token, safe=""),
        "url form": quote_plus(token),
        "url lower hex": quote(token, safe="").lower(),
        "base64": base64.b64encode(raw).decode(),
        "base64 unpadded": base64.b64encode(raw).decode().rstrip("="),
        "base64 urlsafe": base64.urlsafe_b64encode(raw).decode(),
        "basic auth": base64.b64encode(b"user:" + raw).decode(),
        "basic auth shifted": base64.b64encode(b"us:" + raw + b"!").decode(),
        "urlsafe shifted": base64.urlsafe_b64encode(b"u:" + raw).decode().rstrip("="),
    }


@pytest.mark.parametrize("kind", list(_forms(TOKEN)))
def test_every_encoding_of_a_secret_is_masked(kind: str) -> None:
    masking.register_named({TOKEN: "API_TOKEN"})
    encoded = _forms(TOKEN)[kind]
    out = masking.scrub(f"before {encoded} after")
    assert "${API_TOKEN}" in out
    # what is left of a base64 string holds at most a few bits of the secret
    assert encoded not in out
    for other in _forms(TOKEN).values():
        if len(other) >= 12:
            assert other not in out


def test_the_part_after_bearer_is_masked_in_base64_too() -> None:
    masking.register(["Bearer abcdefgh12345678"])
    hidden = base64.b64encode(b"x:abcdefgh12345678").decode()
    assert "***" in masking.scrub(hidden)


def test_ordinary_text_and_short_fragments_are_left_alone() -> None:
    masking.register(["abcd"])  # too short for a base64 fragment to mean anything
    text = "YWJj and a b c d and abc"
    assert masking.scrub(text) == text


def test_scrub_obj_masks_keys_and_nested_values() -> None:
    masking.register([TOKEN])
    doc = {TOKEN: [{"u": quote(TOKEN, safe="")}], "n": 1}
    assert json.dumps(masking.scrub_obj(doc)).count("***") == 2


@timed_variant
def test_scrubbing_stays_cheap_with_many_forms(timed: bool) -> None:
    masking.register_named({TOKEN: "A", "second-secret-value-1234": "B"})
    masking.register(["Bearer zzzzzzzzyyyyyyyy", "hook-abcdef0123456789"])
    line = "an ordinary answer of a few hundred characters. " * 8
    started = time.perf_counter()
    for _ in range(2000):
        masking.scrub(line)
    # a few thousand result lines must not take seconds to mask
    assert not timed or time.perf_counter() - started < 1.0


def test_a_secret_that_is_not_utf8_is_registered_and_masked() -> None:
    value = "n\udcffte-\ud800-value"  # an environment value with bytes that are not UTF-8
    masking.register_named({value: "NOTE"})
    assert masking.scrub(f"x {value} y") == "x ${NOTE} y"
    assert masking.scrub(json.dumps(value)) == '"${NOTE}"'
