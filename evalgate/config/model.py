"""The parsed configuration: frozen dataclasses built once from ``evalgate.yaml``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from evalgate.model import JSON


@dataclass(frozen=True)
class ResponseMapping:
    """JMESPath expressions into the JSON response; ``None`` means "not mapped"."""

    output: str | None = "output"
    citations: str | None = None
    retrieved: str | None = None
    tool_calls: str | None = None
    prompt_version: str | None = None
    model: str | None = None
    input_tokens: str | None = None
    output_tokens: str | None = None
    cost_usd: str | None = None
    trace_id: str | None = None
    refused: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict)


# the URL an in-process target's requests are built with (they never leave the process)
IN_PROCESS_URL = "http://in-process.invalid/"


@dataclass(frozen=True)
class TargetConfig:
    """Where and how to call the middleware."""

    url: str
    python: str | None = None  # "package.module:function": an in-process target
    python_root: str | None = None  # where its module is looked for first (the config's folder)
    method: str = "POST"
    headers: Mapping[str, str] = field(default_factory=dict)
    body: JSON = None
    query: Mapping[str, str] = field(default_factory=dict)
    response: ResponseMapping = field(default_factory=ResponseMapping)
    preset: str | None = None
    stream: str | None = None  # None | "sse"
    timeout_s: float = 30.0
    connect_timeout_s: float = 10.0
    retries: int = 3
    backoff_base_s: float = 0.5
    backoff_max_s: float = 30.0
    concurrency: int = 8
    max_response_bytes: int = 10 * 1024 * 1024
    follow_redirects: bool = False
    transport: str = "aiohttp"  # the HTTP/1.1 implementation under httpx: aiohttp | httpx
    max_retry_after_s: float = 60.0  # a longer Retry-After ends the call at once
    run_budget_s: float | None = 1800.0  # the run's total time; None or 0: no limit
    max_cost_usd: float | None = None  # target + judge spend; None or 0: no limit


@dataclass(frozen=True)
class Pricing:
    input_per_mtok: float = 0.0
    output_per_mtok: float = 0.0


@dataclass(frozen=True)
class GateConfig:
    baseline: str = "auto"
    baseline_dir: str = ".evalgate/baselines"
    max_drop: float = 0.02
    alpha: float = 0.05
    critical_tags: tuple[str, ...] = ("critical",)
    min_pass_rate: Mapping[str, float] = field(
        default_factory=dict
    )  # "overall", "scorer.X", "tag.Y", "dataset.Z"
    max_error_rate: float = 0.05
    min_shared: float = 0.5  # below this share of scored cases comparable with the baseline: exit 3
    confirm: int = 0
    seed: int = 0
    resamples: int = 10000
    baseline_samples: int = 10  # recorded runs a baseline keeps per case (1: each record replaces)
    quarantine: float | None = None  # flip rate in the history from which a case stops gating
    baseline_max_age_days: float = 14.0  # older baselines are reported as stale (a note)


@dataclass(frozen=True)
class ReportsConfig:
    dir: str = ".evalgate/runs"
    junit: str | None = None  # a file name inside the run folder, or a path
    markdown: str | None = None
    html: str | None = None


@dataclass(frozen=True)
class CanaryConfig:
    tag: str = "canary"
    latency_p95_ratio: float | None = 1.5
    latency_p95_abs_ms: float | None = None
    tokens_ratio: float | None = 1.3
    tokens_abs: float | None = None
    max_score_drop: float = 0.05
    webhook: str | None = None
    history: str = ".evalgate/canary-history.jsonl"


@dataclass(frozen=True)
class LangfuseConfig:
    base_url: str | None = None
    public_key: str | None = None
    secret_key: str | None = None
    input_mapping: str | None = None
    suggest: Mapping[str, JSON] = field(default_factory=dict)
    timeout_s: float = 20.0


@dataclass(frozen=True)
class RedactConfig:
    patterns: Mapping[str, str] = field(default_factory=dict)  # placeholder type -> regex
    max_chunk_chars: int = 500


@dataclass(frozen=True)
class TelemetryConfig:
    otlp_endpoint: str | None = None
    service_name: str = "evalgate"
    feature: str | None = None


@dataclass(frozen=True)
class JudgeConfig:
    """The LLM judge (any OpenAI-compatible server) for model-graded scorers; see docs/judge.md.

    ``base_url``/``api_key`` fall back to ``OPENAI_BASE_URL``/``OPENAI_API_KEY`` when unset (the key
    only for that server: a ``base_url`` pointing elsewhere gets no key it did not name).
    """

    base_url: str | None = None
    model: str | None = None
    api_key: str | None = None
    embedding_model: str | None = None
    temperature: float = 0.0
    seed: int | None = 0
    max_tokens: int = 512
    timeout_s: float = 60.0
    retries: int = 2
    concurrency: int = 4
    votes: int = 1
    # the lower 95% bound of agreement (kappa or AC1) a calibration must reach to block
    min_agreement: float = 0.6
    min_labels: int = 20  # judged labels a criterion (or the whole set) needs to block
    agreement_statistic: str = "kappa"  # kappa or ac1
    calibration_scope: str = "criterion"  # criterion: per rubric criterion; global: one set
    drift_sample: int = 5  # calibration labels re-checked each run (0: no drift check)
    drift_tolerance: float = 0.2  # share of re-checked labels whose verdict may change
    calibration: str = ".evalgate/judge-calibration.json"
    cache_dir: str = ".evalgate/judge-cache"
    pricing: Pricing = field(default_factory=Pricing)


@dataclass(frozen=True)
class Config:
    """The whole of ``evalgate.yaml``, with paths resolved against ``root``."""

    target: TargetConfig
    version: int = 1
    goldens: tuple[str, ...] = ("goldens",)
    scorers_dir: str | None = "scorers"
    scorer_timeout_s: float = 30.0  # one custom scorer call (or plugin import); 0: no limit
    pricing: Mapping[str, Pricing] = field(default_factory=dict)
    gate: GateConfig = field(default_factory=GateConfig)
    reports: ReportsConfig = field(default_factory=ReportsConfig)
    canary: CanaryConfig = field(default_factory=CanaryConfig)
    langfuse: LangfuseConfig = field(default_factory=LangfuseConfig)
    redact: RedactConfig = field(default_factory=RedactConfig)
    telemetry: TelemetryConfig = field(default_factory=TelemetryConfig)
    judge: JudgeConfig = field(default_factory=JudgeConfig)
    path: Path | None = None
    root: Path = field(default_factory=Path.cwd)
    secrets: frozenset[str] = frozenset()  # values that came from the environment
    config_hash: str = ""

    def resolve(self, p: str) -> Path:
        path = Path(p)
        return path if path.is_absolute() else self.root / path
