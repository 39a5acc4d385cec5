"""The target URL a run records: no credentials, no query, no secret in its path."""

from __future__ import annotations

from evalgate import masking
from evalgate.engine.execution import _safe_url


def test_credentials_query_and_path_secrets_are_left_out() -> None:
    masking.register_named({'p@th"tok/en': "PATH_TOKEN"})
    url = "https://user:pw@api.example/v1/p%40th%22tok%2Fen/chat?key=abc"
    assert _safe_url(url) == "https://api.example/v1/${PATH_TOKEN}/chat"


def test_an_unparsable_url_is_not_echoed() -> None:
    assert _safe_url("http://[::1") == "<invalid url>"
