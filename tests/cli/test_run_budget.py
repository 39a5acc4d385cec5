"""``--run-budget`` values: seconds, or with a unit; 0 and none turn the budget off."""

from __future__ import annotations

import pytest

from evalgate.cli.cmd_run import parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("900", 900.0), ("90s", 90.0), ("15m", 900.0), ("1.5h", 5400.0), (" 2M ", 120.0)],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["0", "0s", "none", "off"])
def test_no_limit(text: str) -> None:
    assert parse_duration(text) == 0.0


@pytest.mark.parametrize("text", ["", "m", "soon", "-1", "nan", "inf", "1d", "1e999"])
def test_bad_values_name_the_option(text: str) -> None:
    with pytest.raises(ValueError, match="--run-budget"):
        parse_duration(text)
