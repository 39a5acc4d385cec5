"""A custom scorer: files in scorers_dir are loaded by evalgate, each @scorer becomes usable
in golden files by its name. See docs/scorers.md."""

from evalgate import Case, Response, Score, scorer


@scorer(
    "answer_is_concise",
    params={
        "type": "object",
        "properties": {"max_words": {"type": "integer", "minimum": 1}},
        "additionalProperties": False,
    },
)
def answer_is_concise(response: Response, params: dict[str, int], case: Case) -> Score:
    """The answer stays under a word budget."""
    limit = int(params.get("max_words", 150))
    words = len((response.output or "").split())
    if words <= limit:
        return Score(1.0, True, f"{words} words (limit {limit})")
    return Score(max(0.0, limit / words), False, f"answer has {words} words; keep it under {limit}")
