"""The import filters: parsed from the command line into frozen records, no SDK involved.

Score filter mini-syntax (``--score``):

- ``NAME``            any score with this name, whatever its type and value
- ``NAME<=X``, ``NAME>=X``, ``NAME<X``, ``NAME>X``   numeric scores in that range
- ``NAME==X`` (or ``NAME=X``)  an exact value: a number (numeric score), ``true``/``false``
  (boolean score), or anything else (categorical; ``a|b`` for any of several values)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from evalgate.errors import UsageError
from evalgate.model import JSON

_SCORE = re.compile(r"^\s*([A-Za-z0-9_.:\- ]*?[A-Za-z0-9_.:\-])\s*(<=|>=|==|=|<|>)\s*(.+?)\s*$")
_SINCE = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


@dataclass(frozen=True)
class ScoreFilter:
    """One ``--score`` filter."""

    name: str
    op: str | None = None  # None | "<=" | ">=" | "<" | ">" | "=="
    value: float | bool | tuple[str, ...] | None = None

    @classmethod
    def parse(cls, text: str) -> ScoreFilter:
        m = _SCORE.match(text)
        if m is None:
            name = text.strip()
            if not name or any(c in name for c in "<>=!"):
                raise UsageError(
                    f"--score {text!r}: expected NAME, NAME<=X, NAME>=X, NAME<X, NAME>X or"
                    " NAME==VALUE (e.g. --score 'user_feedback<=0')"
                )
            return cls(name)
        name, op, raw = m.group(1), m.group(2), m.group(3)
        op = "==" if op == "=" else op
        if op != "==":
            try:
                return cls(name, op, float(raw))
            except ValueError:
                raise UsageError(
                    f"--score {text!r}: {op} needs a number (e.g. {name}{op}0)"
                ) from None
        low = raw.lower()
        if low in ("true", "false"):
            return cls(name, op, low == "true")
        try:
            return cls(name, op, float(raw))
        except ValueError:
            return cls(name, op, tuple(v.strip() for v in raw.split("|") if v.strip()))

    def api_params(self) -> dict[str, JSON]:
        """Query parameters for ``GET /api/public/v3/scores`` that narrow the selection."""
        p: dict[str, JSON] = {"name": self.name}
        v = self.value
        if self.op in ("<=", "<"):
            p.update(data_type="NUMERIC", value_max=v)
        elif self.op in (">=", ">"):
            p.update(data_type="NUMERIC", value_min=v)
        elif isinstance(v, bool):
            p.update(data_type="BOOLEAN", value="true" if v else "false")
        elif isinstance(v, float):
            p.update(data_type="NUMERIC", value=_num(v))
        elif isinstance(v, tuple):
            p.update(data_type="CATEGORICAL", value=",".join(v))
        return p

    def matches(self, value: JSON) -> bool:
        """Check a score value client-side (strict bounds and type, which the API lacks)."""
        v = self.value
        if self.op is None:
            return True
        if isinstance(v, bool):
            return isinstance(value, bool) and value is v
        if isinstance(v, tuple):
            return isinstance(value, str) and value in v
        if isinstance(value, bool) or not isinstance(value, (int, float)) or v is None:
            return False
        x = float(value)
        return {
            "<=": x <= v,
            ">=": x >= v,
            "<": x < v,
            ">": x > v,
            "==": x == v,
        }[self.op]

    def __str__(self) -> str:
        if self.op is None:
            return self.name
        v = self.value
        if isinstance(v, tuple):
            shown = "|".join(v)
        elif isinstance(v, bool):
            shown = str(v).lower()
        else:
            shown = _num(v or 0.0)
        return f"{self.name}{self.op}{shown}"


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(v)


@dataclass(frozen=True)
class ImportQuery:
    """Which traces to import. Different filters combine with AND; several ``--score``
    filters with OR (a trace flagged by any of them); several ``--tag`` with AND."""

    scores: tuple[ScoreFilter, ...] = ()
    tags: tuple[str, ...] = ()
    name: str | None = None
    user: str | None = None
    session: str | None = None
    environment: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    limit: int = 50


def parse_since(text: str, now: datetime) -> datetime:
    """``7d``, ``24h``, ``30m``, ``90s``, ``2w`` -> the time that long before ``now``."""
    m = _SINCE.match(text)
    if m is None:
        raise UsageError(f"--since {text!r}: expected a number and a unit: 30m, 24h, 7d, 2w")
    return now - timedelta(**{_UNITS[m.group(2)]: int(m.group(1))})


def parse_time(text: str, option: str) -> datetime:
    """An ISO 8601 time; a time without zone is read as UTC."""
    try:
        t = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"{option} {text!r}: expected an ISO 8601 time such as 2026-01-31T12:00:00Z"
        ) from None
    return t if t.tzinfo else t.replace(tzinfo=UTC)
