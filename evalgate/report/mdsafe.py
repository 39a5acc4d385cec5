"""Markdown that untrusted text (model output, case text, reasons) cannot escape from.

The guarantees, for a GitHub-flavoured renderer:

- no raw HTML: ``<``, ``>`` and ``&`` are backslash-escaped;
- no links or images: ``[``, ``]``, ``!`` are escaped, and bare URLs (``://``, ``www.``) and
  e-mail addresses are broken with a zero-width joiner so autolinking does not fire;
- no @mentions: a zero-width joiner follows every ``@``;
- no breaking out of code: a code span or fence is always longer than any backtick run inside;
- bounded: every piece is length-capped by the caller's limit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import quote

from evalgate import masking
from evalgate.report.text import defuse_commands, one_line, strip_controls, truncate

ZWJ = "\u200d"
# Everything CommonMark/GFM treats as syntax in the middle of a line, plus $ (GitHub math).
_SPECIAL = re.compile(r"([\\`*_{}\[\]<>&|~!#$^])")
_AUTOLINK = re.compile(r"(://|www\.|@)", re.IGNORECASE)
_TICKS = re.compile(r"`+")


def _defang(text: str) -> str:
    return _AUTOLINK.sub(lambda m: m.group(0)[0] + ZWJ + m.group(0)[1:], text)


def text(value: object, limit: int = 300) -> str:
    """Inline text: one line, every markdown/HTML special escaped, safe inside a table cell."""
    return _SPECIAL.sub(r"\\\1", _defang(one_line(value, limit)))


def code_span(value: object, limit: int = 200, *, in_table: bool = False) -> str:
    """An inline code span that its content cannot close."""
    s = one_line(value, limit)
    runs = [len(m.group(0)) for m in _TICKS.finditer(s)]
    ticks = "`" * (max(runs, default=0) + 1)
    if s.startswith("`") or s.endswith("`") or not s:
        s = f" {s} "
    out = f"{ticks}{s}{ticks}"
    # GFM splits table cells on "|" even inside code spans; "\|" is read back as "|" there.
    return out.replace("|", "\\|") if in_table else out


def code_block(value: object, limit: int = 2000, info: str = "text") -> str:
    """A fenced block whose fence is longer than any backtick run in the content."""
    s = truncate(strip_controls(masking.scrub(str(value))).replace("\r\n", "\n"), limit)
    # a report.md printed in a CI log must not run workflow commands hidden in model output
    s = defuse_commands(s.replace("\r", "\n"))
    runs = [len(m.group(0)) for m in _TICKS.finditer(s)]
    fence = "`" * max(3, max(runs, default=0) + 1)
    return f"{fence}{info}\n{s}\n{fence}"


def source_url(file: str, line: int, environ: Mapping[str, str]) -> str:
    """A link target for a golden file line: a blob URL on GitHub or GitLab CI, else a
    relative path."""
    path = file[2:] if file.startswith("./") else file
    anchor = f"#L{line}" if line else ""
    # a file name that is not UTF-8 holds surrogate escapes: quote its real bytes
    quoted = quote(path.encode("utf-8", "surrogateescape"), safe="/")
    server = environ.get("GITHUB_SERVER_URL")
    repo = environ.get("GITHUB_REPOSITORY")
    sha = environ.get("GITHUB_SHA")
    if server and repo and sha and not path.startswith("/"):
        return f"{server.rstrip('/')}/{quote(repo, safe='/')}/blob/{quote(sha)}/{quoted}{anchor}"
    project, commit = environ.get("CI_PROJECT_URL"), environ.get("CI_COMMIT_SHA")
    if project and commit and not path.startswith("/"):
        return f"{project.rstrip('/')}/-/blob/{quote(commit)}/{quoted}{anchor}"
    return f"{quoted}{anchor}"


def source_link(file: str, line: int, environ: Mapping[str, str]) -> str:
    """``[file:line](target)`` with the label escaped, or '' without a file. The path is
    relative to the repository root (where GitHub resolves it), whatever folder evalgate ran
    in."""
    if not file:
        return ""
    from evalgate.fsutil import repo_path

    file = repo_path(file, environ)
    label = f"{file}:{line}" if line else file
    return f"[{text(label, 200)}]({source_url(file, line, environ)})"
