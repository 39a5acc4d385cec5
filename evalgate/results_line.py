"""A result's line in ``results.jsonl``, built directly: the text of
``encode_line(result.to_dict())``, without the dictionaries.

:meth:`ResultLines.line` writes the fields in the order of :meth:`CaseResult.to_dict` with the
pieces the JSON encoder itself would write: strings by its C escaper, exact ints and finite
floats by their ``repr``, ``true``/``false``/``null``, and every other value (requests, tool
calls, extra fields, non-finite floats, subclasses) by the C encoder with the same settings.
A result whose line cannot be built so (a value the encoder refuses) is encoded the plain way,
so it fails as it did. The score records of a result that are the very records of the last
one (a run's passing records are shared, see :mod:`evalgate.scoring`) are written as last time.

Each field is tested for the type it holds inline, without a call per field (a line is built
for every case); the result's ``latency_ms`` and its answer's, most often the same float, are
written from one ``repr`` when they are equal floats (and not zero, whose sign ``repr`` shows).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from json import encoder as _json
from operator import is_
from typing import Any, cast

from evalgate.model import JSON, Response
from evalgate.results import RESULTS_FORMAT_VERSION, CaseResult
from evalgate.scorers.registry import ScoreRecord

# one encoder for every line (``json.dumps`` builds one per call): compact separators,
# non-ASCII text as is, encoded by the C encoder
encode_line = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

_text: Callable[[str], str] = _json.encode_basestring  # the escaper the encoder uses


def _encoder() -> Callable[[object, int], list[str]]:
    """The C encoder ``encode_line`` uses, called directly (``encode`` sets one up per call):
    its pieces of a value's text, to join."""
    make = getattr(_json, "c_make_encoder", None)
    if make is None or _text is not getattr(_json, "c_encode_basestring", None):
        return lambda o, _: [encode_line(o)]  # no C encoder here: the plain one

    def default(o: object) -> JSON:
        raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")

    # (markers None: a cycle recurses until it fails, and the line is then encoded the plain
    # way, which says that it is circular)
    return cast(
        Callable[[object, int], list[str]],
        make(None, default, _text, None, ":", ",", False, False, True),
    )


_chunks = _encoder()


def _encode(o: object) -> str:
    """``o`` as the encoder writes it inside a line."""
    return "".join(_chunks(o, 0))


def _value(v: object) -> str:
    """``v`` as the encoder writes it inside a line."""
    t = type(v)
    if t is str:
        return _text(cast(str, v))
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if t is int:
        return int.__repr__(cast(int, v))
    if t is float:
        f = cast(float, v)
        if f - f == 0.0:  # finite (the encoder writes NaN and Infinity its own way)
            return float.__repr__(f)
    return _encode(v)


def _texts(items: Iterable[object]) -> str:
    """A list of strings (any other item: the whole list by the encoder)."""
    try:
        return "[" + ",".join(map(_text, items)) + "]"  # type: ignore[arg-type]
    except TypeError:
        return _encode(list(items))


def _float(x: object) -> object:
    """A float field's text (an exact finite float: itself, which an f-string writes as its
    ``repr``)."""
    return x if type(x) is float and x - x == 0.0 else _value(x)


def _response(p: Response, latency: object) -> tuple[str, object]:
    """The response's text, and the result's ``latency_ms`` (the response's own, most often:
    written once)."""
    v, t = _value, _text
    x: Any = latency
    if type(x) is float and x - x == 0.0:
        latency = f"{x}"
        y = p.latency_ms
        # (an equal float has the same repr, but for 0.0 and -0.0)
        own = latency if type(y) is float and y == x and y != 0.0 else _float(y)
    else:
        latency = _value(x)
        own = _float(p.latency_ms)
    x = p.output
    output = "null" if x is None else t(x)
    x = p.tool_calls
    tools = "[]" if not x and type(x) is tuple else _encode([c.to_dict() for c in x])
    x = p.prompt_version
    version = "null" if x is None else t(x)
    x = p.model
    model = "null" if x is None else t(x)
    x = p.input_tokens
    tokens_in = "null" if x is None else x if type(x) is int else v(x)
    x = p.output_tokens
    tokens_out = "null" if x is None else x if type(x) is int else v(x)
    x = p.cost_usd
    cost = "null" if x is None else _float(x)
    x = p.ttft_ms
    ttft = "null" if x is None else _float(x)
    x = p.trace_id
    trace = "null" if x is None else t(x)
    x = p.refused
    refused = "null" if x is None else "false" if x is False else "true" if x is True else v(x)
    x = p.status_code
    status = "null" if x is None else x if type(x) is int else v(x)
    x = p.extra
    extra = "{}" if not x and type(x) is dict else _encode(dict(x))
    x = p.missing
    missing = "[]" if not x and type(x) is tuple else _texts(x)
    return (
        f'{{"output":{output},"citations":{_texts(p.citations)}'
        f',"retrieved":{_texts(p.retrieved)},"tool_calls":{tools}'
        f',"prompt_version":{version},"model":{model}'
        f',"input_tokens":{tokens_in},"output_tokens":{tokens_out}'
        f',"cost_usd":{cost},"latency_ms":{own},"ttft_ms":{ttft}'
        f',"trace_id":{trace},"refused":{refused},"status_code":{status}'
        f',"extra":{extra},"missing":{missing}}}'
    ), latency


class ResultLines:
    """Builds result lines; remembers the last score records written, and their text.

    A field is written inline when its value is of the type the field holds (a ``str``, an
    exact ``int`` or finite ``float``, ``None``, ``True``, ``False``: f-strings write exact
    ints and floats as their ``repr``), else by :func:`_value`; a value ``_text`` refuses
    (any but a string) sends the whole result the plain way.
    """

    def __init__(self) -> None:
        self._scores: tuple[tuple[ScoreRecord, ...], str] = ((), "[]")

    def line(self, r: CaseResult) -> str:
        """``encode_line(r.to_dict())``."""
        try:
            return self._line(r)
        except Exception:  # a value the encoder refuses: fail (or not) as the plain way does
            return encode_line(r.to_dict())

    def _scores_text(self, records: tuple[ScoreRecord, ...]) -> str:
        last, text = self._scores  # one read: the pair is replaced whole
        if records is last or (len(last) == len(records) and all(map(is_, last, records))):
            return text
        text = _encode([s.to_dict() for s in records])
        self._scores = (records, text)
        return text

    def _line(self, r: CaseResult) -> str:
        v, t = _value, _text
        p = r.response
        if p is None:
            response, latency = "null", _float(r.latency_ms)
        else:
            response, latency = _response(p, r.latency_ms)
        turns = r.turns
        tags = r.tags
        x: Any = r.repeat
        repeat = x if type(x) is int else v(x)
        x = r.passed
        passed = "true" if x is True else "false" if x is False else v(x)
        x = r.score
        score = "null" if x is None else x if type(x) is float and x - x == 0.0 else v(x)
        x = r.error
        error = "null" if x is None else t(x)
        x = r.attempts
        attempts = x if type(x) is int else v(x)
        x = r.line
        line = x if type(x) is int else v(x)
        x = r.threshold
        threshold = "null" if x is None else x if type(x) is float and x - x == 0.0 else v(x)
        x = r.weight
        weight = x if type(x) is float and x - x == 0.0 else v(x)
        x = r.confirmation
        confirmation = "false" if x is False else "true" if x is True else v(x)
        x = r.request
        request = "null" if x is None else "".join(_chunks(x, 0))
        return (
            f'{{"format_version":{RESULTS_FORMAT_VERSION},"case_id":{t(r.case_id)}'
            f',"dataset":{t(r.dataset)},"repeat":{repeat},"status":{t(r.status)}'
            f',"outcome":{t(r.outcome)},"passed":{passed},"score":{score}'
            f',"scores":{self._scores_text(r.scores)},"latency_ms":{latency}'
            f',"request":{request},"response":{response}'
            f',"turns":{_encode([turn.to_dict() for turn in turns]) if turns else "[]"}'
            f',"error":{error},"attempts":{attempts}'
            f',"tags":{"[]" if not tags and type(tags) is tuple else _texts(tags)}'
            f',"file":{t(r.file)},"line":{line},"content_hash":{t(r.content_hash)}'
            f',"threshold":{threshold},"weight":{weight},"confirmation":{confirmation}}}'
        )
