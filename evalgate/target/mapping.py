"""Response mapping: JMESPath expressions (compiled once) from a JSON body to a Response.

Each expression is parsed by jmespath once; the plain paths most mappings use (``answer``,
``usage.input_tokens``, ``choices[0].message.content``, ``citations[].doc_id``) are then read
by direct accessors with jmespath's results (``target/paths.py``), the rest by jmespath.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any

import jmespath
from jmespath.exceptions import JMESPathError
from jmespath.parser import ParsedResult

from evalgate import jsonsafe
from evalgate.config.model import Pricing, ResponseMapping
from evalgate.errors import ConfigError
from evalgate.model import JSON, Response, ToolCall
from evalgate.quickinit import quick_init
from evalgate.target.paths import Accessor, accessor

_FIELDS = tuple(f.name for f in fields(ResponseMapping) if f.name != "extra")
_FALSE = frozenset({"false", "no", "0", "none", "null"})
_MAX_INT = 2**63


class MappingFailure(Exception):
    """The body does not carry what the mapping needs; the call is an ``invalid_response``."""


@quick_init
@dataclass(frozen=True, slots=True)
class Timing:
    """Measurements the client attaches to the mapped Response."""

    latency_ms: float
    status_code: int | None = None
    ttft_ms: float | None = None


def _compile(name: str, expr: str) -> ParsedResult:
    try:
        return jmespath.compile(expr)
    except JMESPathError as e:
        detail = str(e).splitlines()[0]
        raise ConfigError(
            f"target.response.{name}: '{expr}' is not a valid JMESPath expression ({detail})"
        ) from None


class ResponseMapper:
    """Maps a decoded response body to a Response with the configured expressions."""

    def __init__(self, mapping: ResponseMapping, pricing: Mapping[str, Pricing] | None = None):
        self.mapping = mapping
        self._pricing = dict(pricing or {})
        self._exprs: dict[str, ParsedResult] = {
            name: _compile(name, expr)
            for name in _FIELDS
            if (expr := getattr(mapping, name)) is not None
        }
        self._extra = {k: _compile(f"extra.{k}", v) for k, v in mapping.extra.items()}
        self.needs_json = bool(self._exprs or self._extra)
        reads = tuple((name, _reader(name, e)) for name, e in self._exprs.items())
        # each mapped field with what turns its value into the Response's (None is the default)
        self._reads = tuple((name, read, _CONVERT.get(name)) for name, read in reads)
        self._extra_reads = tuple((k, _reader(f"extra.{k}", e)) for k, e in self._extra.items())

    def map_text(self, text: str, timing: Timing) -> Response:
        """The whole body is the output (no ``output`` expression configured)."""
        if self.needs_json:
            try:
                body = jsonsafe.loads(text)
            except ValueError:
                body = None
            if body is not None:
                return self.map_json(body, timing, output_text=text)
        return Response(output=text, latency_ms=timing.latency_ms, status_code=timing.status_code)

    def map_json(self, body: JSON, timing: Timing, output_text: str | None = None) -> Response:
        """Map a decoded JSON body; raise MappingFailure when ``output`` finds nothing."""
        got: dict[str, Any] = {}  # the fields found, converted; the others keep their defaults
        missing: list[str] = []
        output: str | None = output_text
        has_output = False
        raw_output: Any = None
        for name, read, convert in self._reads:  # read in field order: the first failure tells
            value = read(body)
            if convert is None:  # output
                has_output, raw_output = True, value
            elif value is None:
                missing.append(name)
            else:
                got[name] = convert(value)
        if has_output:
            if raw_output is None and not got.get("tool_calls"):
                raise MappingFailure(_nothing_found("output", self.mapping.output or "", body))
            output = _text(raw_output)
        if self._pricing and got.get("cost_usd") is None:
            cost = self._cost(got.get("model"), got.get("input_tokens"), got.get("output_tokens"))
            if cost is not None:
                got["cost_usd"] = cost
        return Response(
            output=output,
            latency_ms=timing.latency_ms,
            ttft_ms=timing.ttft_ms,
            status_code=timing.status_code,
            extra={k: read(body) for k, read in self._extra_reads} if self._extra_reads else {},
            missing=tuple(missing),
            **got,
        )

    def _cost(self, model: str | None, tin: int | None, tout: int | None) -> float | None:
        price = self._pricing.get(model) if model else None
        if price is None or (tin is None and tout is None):
            return None
        return ((tin or 0) * price.input_per_mtok + (tout or 0) * price.output_per_mtok) / 1e6


def _reader(name: str, expr: ParsedResult) -> Accessor:
    """A direct accessor when the expression is a plain path, else jmespath's search."""
    direct = accessor(expr.parsed) if _DIRECT else None
    if direct is not None:
        return direct  # reads no function, so it cannot fail
    return lambda body: _search(name, expr, body)


_DIRECT = True  # False: every expression through jmespath (the tests compare both)


def _search(name: str, expr: ParsedResult, body: JSON) -> Any:
    try:
        return expr.search(body)
    except JMESPathError as e:  # e.g. a function applied to a value of the wrong type
        detail = str(e).splitlines()[0]
        raise MappingFailure(
            f"response mapping '{name}' (expression '{expr.expression}') failed: {detail}"
        ) from None


def _nothing_found(name: str, expr: str, body: JSON) -> str:
    head = f"response mapping '{name}' (expression '{expr}') found nothing; "
    if isinstance(body, dict):
        keys = ", ".join(sorted(str(k) for k in body)[:20]) or "none"
        return head + f"the response has keys: {keys}"
    if isinstance(body, list):
        return head + f"the response is a list of {len(body)} items"
    return head + f"the response is {type(body).__name__} {json.dumps(body)[:80]}"


def _text(v: Any) -> str | None:
    if v is None or isinstance(v, str):
        return v
    return json.dumps(v, ensure_ascii=False)


def _str(v: Any) -> str | None:
    if v is None or isinstance(v, (dict, list)):
        return None
    return v if isinstance(v, str) else str(v)


def _int(v: Any) -> int | None:
    if isinstance(v, bool) or v is None:
        return None
    try:
        n = int(v)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an infinite float
        return None
    # no real token count is this large; such a value would overflow the cost arithmetic
    return n if abs(n) <= _MAX_INT else None


def _float(v: Any) -> float | None:
    if isinstance(v, bool) or v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError, OverflowError):
        return None
    return f if math.isfinite(f) else None  # NaN/Infinity are valid in Python's JSON only


def _bool(v: Any) -> bool | None:
    if v is None or isinstance(v, bool):
        return v
    if isinstance(v, str):
        low = v.strip().lower()
        if not low:
            return None
        # "true", "yes", or an explanation (OpenAI's message.refusal) all mean it refused
        return low not in _FALSE
    if isinstance(v, (int, float)):
        return bool(v)
    return None


def _ids(v: Any) -> tuple[str, ...]:
    """Citations/retrieved ids: a string, a list of strings, or objects with doc_id/id."""
    if v is None:
        return ()
    items = v if isinstance(v, list) else [v]
    out: list[str] = []
    for item in items:
        if isinstance(item, dict):
            ident = next((item[k] for k in ("doc_id", "id", "document_id") if k in item), None)
            if ident is not None:
                out.append(str(ident))
        elif item is not None:
            out.append(str(item))
    return tuple(out)


def _tool_calls(v: Any) -> tuple[ToolCall, ...]:
    """Tool calls as {name, arguments, permission} or OpenAI's {id, function: {...}}."""
    if v is None:
        return ()
    items = v if isinstance(v, list) else [v]
    out: list[ToolCall] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        fn = item.get("function")
        src = fn if isinstance(fn, dict) else item
        name = src.get("name")
        if not isinstance(name, str):
            continue
        out.append(
            ToolCall(
                name=name,
                arguments=_arguments(src.get("arguments", src.get("args", src.get("input")))),
                permission=_str(item.get("permission", src.get("permission"))),
                id=_str(item.get("id")),
            )
        )
    return tuple(out)


def _arguments(v: Any) -> dict[str, JSON]:
    if isinstance(v, str):
        # OpenAI sends arguments as a JSON string
        try:
            v = jsonsafe.loads(v) if v.strip() else {}
        except ValueError:
            return {"_raw": v}
    if isinstance(v, dict):
        return v
    return {} if v is None else {"_value": v}


_CONVERT: dict[str, Callable[[Any], Any]] = {
    "citations": _ids,
    "retrieved": _ids,
    "tool_calls": _tool_calls,
    "prompt_version": _str,
    "model": _str,
    "input_tokens": _int,
    "output_tokens": _int,
    "cost_usd": _float,
    "trace_id": _str,
    "refused": _bool,
}  # every field but output; each gives the Response's default for None
