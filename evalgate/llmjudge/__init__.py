"""Model-graded scorers: an LLM judge on any OpenAI-compatible server (see docs/judge.md).

The judge is kept apart from the target: its own HTTP client (:mod:`.client`), prompts and
strict verdict parsing (:mod:`.prompts`), an on-disk cache (:mod:`.cache`), grading with votes
and calibration (:mod:`.grader`), and the async scoring phase the runner awaits (:mod:`.phase`).
"""

JUDGE_SCORERS = frozenset({"rubric", "grounded", "similar"})
"""Scorers graded by the judge: the runner awaits them instead of calling them on the loop."""

JUDGE_ERROR_PREFIX = "judge: "  # a record the judge could not grade (not a scorer bug)
