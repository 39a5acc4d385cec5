"""``evalgate init [DIR]``: scaffold a working project that ``evalgate validate`` accepts."""

from __future__ import annotations

import sys
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import typer

from evalgate.errors import UsageError

# template path -> destination inside the project
FILES = {
    "evalgate.yaml": "evalgate.yaml",
    "goldens/example.yaml": "goldens/example.yaml",
    "scorers/example.py": "scorers/example.py",
    "workflows/evalgate.yml": ".github/workflows/evalgate.yml",
}
GITIGNORE = "gitignore"  # appended to an existing .gitignore, never replacing it
# the CI file per --ci choice (the GitHub workflow is the default)
CI_FILES = {
    "github": ("workflows/evalgate.yml", ".github/workflows/evalgate.yml"),
    "gitlab": ("gitlab-ci.yml", ".gitlab-ci.yml"),
}


def files_for(ci: str) -> dict[str, str]:
    """Template path -> destination for a project gated in ``ci``."""
    if ci not in CI_FILES:
        raise UsageError(f"--ci {ci!r}: choose one of {', '.join(CI_FILES)}")
    common = {k: v for k, v in FILES.items() if not k.startswith("workflows/")}
    src, dst = CI_FILES[ci]
    return {**common, src: dst}


def _template(rel: str) -> Traversable:
    node: Traversable = resources.files("evalgate.templates").joinpath("init")
    for part in rel.split("/"):
        node = node.joinpath(part)
    return node


def scaffold(directory: Path, *, force: bool = False, ci: str = "github") -> list[Path]:
    files = files_for(ci)
    existing = [directory / dst for dst in files.values() if (directory / dst).exists()]
    if existing and not force:
        raise UsageError(
            "these files already exist: "
            + ", ".join(str(p) for p in existing)
            + "; use --force to overwrite them"
        )
    from evalgate.install import ACTION_PLACEHOLDER, action_ref, gitlab_include_fill

    written = []
    for src, dst in files.items():
        path = directory / dst
        path.parent.mkdir(parents=True, exist_ok=True)
        text = _template(src).read_text("utf-8").replace(ACTION_PLACEHOLDER, action_ref())
        if src == CI_FILES["gitlab"][0]:
            text = gitlab_include_fill(text)[0]
        path.write_text(text, encoding="utf-8")
        written.append(path)
    ignore = directory / ".gitignore"
    lines = _template(GITIGNORE).read_text("utf-8")
    current = ignore.read_text("utf-8") if ignore.exists() else ""
    if ".evalgate/runs/" not in current:
        sep = "\n" if current and not current.endswith("\n") else ""
        ignore.write_text(current + sep + lines, encoding="utf-8")
        written.append(ignore)
    return written


def register(app: typer.Typer) -> None:
    @app.command("init")
    def init(
        directory: Path = typer.Argument(Path("."), help="Where to create the project."),
        force: bool = typer.Option(False, "--force", help="Overwrite existing files."),
        ci: str = typer.Option(
            "github",
            "--ci",
            help="The CI to gate in: github (.github/workflows/evalgate.yml) or gitlab"
            " (.gitlab-ci.yml including evalgate's GitLab template).",
        ),
    ) -> int:
        """Scaffold evalgate.yaml, an example golden file, a custom scorer and a CI workflow."""
        from evalgate.install import ACTION_PLACEHOLDER, action_ref, github_source

        for p in scaffold(directory, force=force, ci=ci):
            sys.stderr.write(f"created {p}\n")
        if ci == "gitlab":
            if github_source() is None:
                sys.stderr.write(
                    "note: in .gitlab-ci.yml, replace OWNER/REPO and v0.1.0 (in the include and"
                    " in EVALGATE_INSTALL) with the repository and tag you install evalgate from\n"
                )
        elif action_ref() == ACTION_PLACEHOLDER:
            sys.stderr.write(
                f"note: in .github/workflows/evalgate.yml, replace {ACTION_PLACEHOLDER} with the"
                " repository and tag you install evalgate from (pin a commit SHA to be strict)\n"
            )
        sys.stderr.write(
            "next: start your middleware (or 'evalgate demo serve'), then 'evalgate validate'"
            " and 'evalgate run'\n"
        )
        return 0
