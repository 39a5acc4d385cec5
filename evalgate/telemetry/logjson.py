"""``--log-json``: one JSON line per model call, and one per run, with stable field names.

The fields are documented in docs/telemetry.md; log pipelines (Loki, Datadog, CloudWatch) parse
them, so renaming one is a breaking change. Raw user ids and secrets never reach a line: user
ids are salted and hashed, and every string passes through :func:`evalgate.masking.scrub_obj`.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from evalgate import masking
from evalgate.errors import ConfigError
from evalgate.events import CallEvent
from evalgate.run_summary import RunSummary
from evalgate.telemetry.fields import USER_KEYS, hash_user_id, labels_of, metadata_value
from evalgate.textsafe import ENCODE_ERRORS

CALL_EVENT = "llm.request"
RUN_EVENT = "eval.run"


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(ts: datetime) -> str:
    return ts.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonLogListener:
    """A call listener that writes JSON lines to a stream, a file (appended) or ``-`` (stderr).

    The run id of each line comes from the event (or the summary for the ``eval.run`` line);
    ``run_id`` is only a fallback for events that carry none.

    ``feature`` is the fallback feature (``telemetry.feature`` in the config) for cases whose
    metadata has none. ``salt`` keys the user id hash; with ``None`` a random salt is drawn, so
    hashed ids are stable within this run only (set ``EVALGATE_LOG_SALT`` to join across runs).
    Each line is flushed as written; a lock keeps lines whole if threads share the listener.
    """

    def __init__(
        self,
        stream_or_path: IO[str] | str | Path,
        *,
        run_id: str | None = None,
        feature: str | None = None,
        salt: str | None = None,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.run_id = run_id
        self.feature = feature
        self._salt = salt if salt is not None else os.urandom(16).hex()
        self._clock = clock
        self._lock = threading.Lock()
        self._owned = False
        if isinstance(stream_or_path, (str, Path)):
            if str(stream_or_path) == "-":
                self._stream: IO[str] = sys.stderr
            else:
                self._stream = _open_append(Path(stream_or_path))
                self._owned = True
        else:
            self._stream = stream_or_path

    # -- listener interface -------------------------------------------------------------
    def __call__(self, event: CallEvent) -> None:
        self.on_call(event)

    def on_call(self, event: CallEvent) -> None:
        """Write the ``llm.request`` line for one model call (after retries)."""
        self._write(self.call_record(event))

    def run_finished(
        self,
        summary: RunSummary,
        *,
        command: str = "run",
        verdict: Mapping[str, Any] | None = None,
    ) -> None:
        """Write the ``eval.run`` line from a run's summary."""
        self._write(self.run_record(summary, command=command, verdict=verdict))

    # -- records ----------------------------------------------------------------------------
    def call_record(self, event: CallEvent) -> dict[str, Any]:
        """The ``llm.request`` record for ``event`` (before scrubbing)."""
        labels = labels_of(event, self.feature)
        resp = event.response
        user = metadata_value(event.metadata, USER_KEYS)
        trace_id = resp.trace_id if resp else None
        request_id = resp.extra.get("request_id") if resp else None
        record: dict[str, Any] = {
            "ts": _iso(self._clock()),
            "event": CALL_EVENT,
            "run_id": event.run_id or self.run_id,
            "case_id": event.case_id,
            "dataset": event.dataset,
            "repeat": event.repeat,
            "turn": event.turn,
            "feature": labels.feature,
            "tenant_id": labels.tenant_id,
            "user_id": hash_user_id(user, self._salt) if user is not None else None,
            "model": labels.model,
            "prompt_version": labels.prompt_version,
            "input_tokens": resp.input_tokens if resp else None,
            "output_tokens": resp.output_tokens if resp else None,
            "total_tokens": resp.total_tokens if resp else None,
            "cost_usd": resp.cost_usd if resp else None,
            "latency_ms": round(float(event.latency_ms), 3),
            "outcome": event.outcome,
            "attempts": event.attempts,
            "request_id": str(request_id) if request_id is not None else trace_id,
            "trace_id": trace_id,
        }
        if event.outcome != "success":
            record["error"] = event.error or event.outcome
        return record

    def run_record(
        self,
        summary: RunSummary,
        *,
        command: str = "run",
        verdict: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The ``eval.run`` record for a run's summary.

        ``verdict`` (``status``, ``reasons``, ``baseline_version``) replaces the summary's
        gate verdict, for commands that judge differently (``canary``: ok, drift, down).
        An interrupted run without a verdict has the status ``interrupted``.
        """
        totals = summary.totals
        if verdict is not None:
            status = verdict.get("status")
            reasons = len(verdict.get("reasons") or ())
            base_version = verdict.get("baseline_version")
        else:
            status, reasons, base_version = summary.status, 0, None
            if summary.verdict is not None:
                reasons = len(summary.verdict.reasons)
                base_version = summary.verdict.baseline_version
        if status is None and summary.interrupted:
            status = "interrupted"
        latency = summary.latency_ms
        tokens = summary.tokens
        return {
            "ts": _iso(self._clock()),
            "event": RUN_EVENT,
            "run_id": summary.run_id or self.run_id,
            "command": command,
            "feature": self.feature,
            "status": status,
            "reasons": reasons,
            "baseline_version": base_version,
            "prompt_version": summary.prompt_version,
            "pass_rate": totals.pass_rate,
            "mean_score": totals.mean_score,
            "error_rate": totals.error_rate,
            "cases": totals.cases,
            "results": totals.results,
            "passed": totals.passed,
            "failed": totals.failed,
            "errors": totals.errors,
            "skipped": totals.skipped,
            "latency_p50_ms": latency.get("p50"),
            "latency_p95_ms": latency.get("p95"),
            "input_tokens": tokens.get("input"),
            "output_tokens": tokens.get("output"),
            "total_tokens": tokens.get("total"),
            "cost_usd": summary.cost_usd,
            "duration_s": summary.duration_s,
        }

    # -- output ----------------------------------------------------------------------------
    def _write(self, record: Mapping[str, Any]) -> None:
        line = json.dumps(masking.scrub_obj(dict(record)), ensure_ascii=False, default=str)
        with self._lock:
            self._stream.write(line + "\n")
            self._stream.flush()

    def close(self) -> None:
        """Close the file if this listener opened it (a stream passed in is left open)."""
        if self._owned and not self._stream.closed:
            self._stream.close()

    def __enter__(self) -> JsonLogListener:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _open_append(path: Path) -> IO[str]:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return open(path, "a", encoding="utf-8", errors=ENCODE_ERRORS)  # closed by close()
    except OSError as exc:
        raise ConfigError(
            f"{path}: cannot open the JSON log for writing ({exc.strerror});"
            " pass a writable path or '-' for stderr to --log-json"
        ) from exc
