# ruff: noqa: E501  (the table of pinned SHA-256 hashes)
"""Rebuild the public refusal corpus from pinned third-party sources (not committed).

    python benchmarks/refusal_corpus.py --mirror DIR   # DIR/<owner>+<name>/repo are git dirs
    python benchmarks/refusal_corpus.py                # downloads the pinned files (network)

Writes ``benchmarks/data/refusal_public.jsonl`` (git-ignored): one JSON object a line with
``id``, ``source``, ``model``, ``split``, ``label``, ``label_by`` and ``text``. Every file is
pinned by repository, commit and SHA-256; a file whose hash differs stops the build.

Labels come from the publishers, never from us:

- ``complied``: the publisher's labeller judged that the answer delivers the harmful content
  asked for (JAILJUDGE ``label=1`` and PKU-SafeRLHF ``label=1``: the annotation published by
  JailbreakEval, human-labelled per both datasets; JailbreakBench ``jailbroken=true``: the
  benchmark's LLM judge). For a golden
  that expects ``refusal: true`` these answers must *fail*, whatever apology they open with.
- ``not_complied``: the labeller judged the answer safe. That is a refusal *or* a harmless
  answer; the label does not say which, so it only bounds how often a detector fires.

The split is by source and model and was fixed before the detector was changed: ``tuning``
(JAILJUDGE; JailbreakBench vicuna-13b-v1.5 and gpt-3.5-turbo-1106) may be read while writing
patterns; ``heldout`` (JailbreakBench llama-2-7b-chat-hf and gpt-4-0125-preview;
PKU-SafeRLHF, sampled to 1,000 items with seed 20261130) must not be.

Licences: JailbreakBench/artifacts and ThuCCSLab/JailbreakEval are MIT; the datasets
JailbreakEval redistributes keep their own terms (PKU-SafeRLHF: non-commercial), so the
corpus is rebuilt locally and never committed.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import random
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "data" / "refusal_public.jsonl"
SEED = 20261130
SAFERLHF_SAMPLE = 1000

JBB = ("JailbreakBench/artifacts", "909e68c01d94222b8ad2e397a017e2e12e2adb73", "MIT")
JBB_FILES = {
    "DSN/white_box/llama-2-7b-chat-hf": "9bcdbe88b18e729ca9abf593d3e5141e7958aff0eb3a0e62ae92b8f64acbdcd9",
    "DSN/white_box/vicuna-13b-v1.5": "ea0a5f7331baf595fb6e6925423f43367cbce8da9273ce93c6a03e2201e3373d",
    "GCG/transfer/gpt-3.5-turbo-1106": "ff185b1dc73732d830e96efdb3f4a92294ee72e9c88a1800b1d11d4ecb3d4cdf",
    "GCG/transfer/gpt-4-0125-preview": "af54543a06e3702256315517ee6e6a7b0edf182dd2c6d938216fa58cbea8de23",
    "GCG/white_box/llama-2-7b-chat-hf": "f76cbaf899c79ca8eed6a6ed26d6f8789933c5595a9a5ee028e305dec4dd95f7",
    "GCG/white_box/vicuna-13b-v1.5": "9eff8b6f78cae002737868ca8cdd886be5afcd1cbbbe4cf51ff837bc688b01b1",
    "JBC/manual/gpt-3.5-turbo-1106": "5999b8f2fc5e85fd4f7d6553abaeaa66f2dc10c5354faa41622e511c08eab871",
    "JBC/manual/gpt-4-0125-preview": "1785f7cf838522461b5b9af3fa606715ecf55c194581f4c8c5c9f1945b59db05",
    "JBC/manual/llama-2-7b-chat-hf": "1607a5a5b9f50abc7f2ff9e07b7257dfde7228b88cfdf73c20f5f56108ffdd23",
    "JBC/manual/vicuna-13b-v1.5": "1d5df5aa451c3d1bb8a4c048a7b2e1e6132e72f2970cb9d94ffc77f44e0edb39",
    "PAIR/black_box/gpt-3.5-turbo-1106": "49e007ce488e606cede7ffc8b022e35080b7f3870956e4cb2423d9b42749c78f",
    "PAIR/black_box/gpt-4-0125-preview": "6dd214eee78184daf048ac8af166641724b49fd25bc831e5d7201469c162004d",
    "PAIR/black_box/llama-2-7b-chat-hf": "02819296c5d992568d732d37813b2ce34624068a20f21025c04c04d52820b029",
    "PAIR/black_box/vicuna-13b-v1.5": "18b101386419a98fbdf45cb987069f83af3a40d5e0f7f0d32c4e9dc5ecc049b4",
    "prompt_with_random_search/black_box/gpt-3.5-turbo-1106": "d4a0691eda37b02dc948b6d6d08460f7d5cd3f15099121b388a58634ffb7bd76",
    "prompt_with_random_search/black_box/gpt-4-0125-preview": "4a0573dba6823c676cab99ed54b8191244080883948270fac9b75255b7c69206",
    "prompt_with_random_search/black_box/llama-2-7b-chat-hf": "45df98af6e1c0e35747f6b9c80cdc606e96c76a511e09a1a49ad5b00cfb51c0a",
    "prompt_with_random_search/black_box/vicuna-13b-v1.5": "9d87a56659f617438feb5770bb2c8e4c2dbbd1bd62964f2c1a8775988017ac5d",
}
JBB_TUNING_MODELS = {"vicuna-13b-v1.5", "gpt-3.5-turbo-1106"}
JEVAL = ("ThuCCSLab/JailbreakEval", "c1419728c039adc8c75e85b72a15a845b0999bf7", "MIT")
JAILJUDGE = (
    "data/JAILJUDGEmini.csv",
    "2542eeadaed084902c96daeb34effc91942c2f22267ca8474d5c8c78a1231f39",
)
SAFERLHF = (
    "data/Safe-RLHFmini.csv",
    "b70c3fbd8e0fbd3bbe4c783ea3b8c3cc345e8777ad4b87ac8bbd048da50e53c5",
)


def _read(repo: tuple[str, str, str], path: str, sha256: str, mirror: Path | None) -> bytes:
    name, commit, _licence = repo
    if mirror is not None:
        git_dir = mirror / name.replace("/", "+") / "repo"
        data = subprocess.run(
            ["git", "--git-dir", str(git_dir), "show", f"{commit}:{path}"],
            check=True,
            capture_output=True,
        ).stdout
    else:
        url = f"https://raw.githubusercontent.com/{name}/{commit}/{path}"
        with urllib.request.urlopen(url, timeout=60) as resp:  # a pinned https URL
            data = resp.read()
    got = hashlib.sha256(data).hexdigest()
    if got != sha256:
        raise SystemExit(f"{name}@{commit[:8]}:{path}: sha256 {got} != pinned {sha256}")
    return data


def _jbb(mirror: Path | None) -> Iterator[dict[str, Any]]:
    for stem, sha in JBB_FILES.items():
        data = json.loads(_read(JBB, f"attack-artifacts/{stem}.json", sha, mirror))
        model = data["parameters"]["model"]
        method = data["parameters"]["method"]
        for jb in data["jailbreaks"]:
            if not jb.get("response"):
                continue
            yield {
                "id": f"jbb/{method}/{model}/{jb['index']}",
                "source": "jailbreakbench",
                "model": model,
                "split": "tuning" if model in JBB_TUNING_MODELS else "heldout",
                "label": "complied" if jb["jailbroken"] else "not_complied",
                "label_by": "llm-judge",
                "text": jb["response"],
            }


def _csv(path: str, sha: str, mirror: Path | None) -> list[dict[str, str]]:
    text = _read(JEVAL, path, sha, mirror).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def build(mirror: Path | None) -> list[dict[str, Any]]:
    """All items, in a stable order."""
    items = list(_jbb(mirror))
    for n, row in enumerate(_csv(*JAILJUDGE, mirror)):
        items.append(
            {
                "id": f"jailjudge/{n}",
                "source": "jailjudge",
                "model": "mixed",
                "split": "tuning",
                "label": "complied" if row["label"] == "1" else "not_complied",
                "label_by": "published-annotation",
                "text": row["answer"],
            }
        )
    rows = list(enumerate(_csv(*SAFERLHF, mirror)))
    for n, row in sorted(random.Random(SEED).sample(rows, SAFERLHF_SAMPLE)):
        items.append(
            {
                "id": f"saferlhf/{n}",
                "source": "pku-saferlhf",
                "model": "unspecified",
                "split": "heldout",
                "label": "complied" if row["label"] == "1" else "not_complied",
                "label_by": "published-annotation",
                "text": row["answer"],
            }
        )
    return items


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirror", type=Path, help="directory of <owner>+<name>/repo git dirs")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    items = build(args.mirror)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as fh:
        for item in items:
            fh.write(json.dumps(item, ensure_ascii=False) + "\n")
    print(f"wrote {len(items)} items to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
