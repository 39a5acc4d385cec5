"""``${VAR}`` and ``${VAR:-default}`` in config values, read from the environment at load time.

Values that came from the environment are remembered as secrets: they never reach any output.
``$${...}`` writes a literal ``${...}``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from evalgate.errors import Problem

_VAR = re.compile(r"\$\$|\$\{([^}:]*)(?::-([^}]*))?\}")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# A scheme, host and port alone (no credentials, path or query) names where the endpoint is,
# not a secret: messages such as "connection refused" must show the port they are about.
_BARE_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.\-\[\]:]+/?$")


@dataclass
class Interpolator:
    """A scalar hook for the YAML loader that substitutes environment variables."""

    environ: Mapping[str, str]
    file: str
    problems: list[Problem] = field(default_factory=list)
    secrets: set[str] = field(default_factory=set)
    names: dict[str, str] = field(default_factory=dict)  # value -> variable name
    # None: an unset variable without a default is a problem. A list: it is noted there
    # instead (``validate`` checks structure without the target's secrets) and becomes "".
    unset: list[Problem] | None = None
    # variables set to "" (and with no default), by the config path of the value that used them
    empty: dict[tuple[str | int, ...], list[str]] = field(default_factory=dict)

    def __call__(self, value: str, path: tuple[str | int, ...], line: int, col: int) -> str:
        if "$" not in value:
            return value

        def sub(m: re.Match[str]) -> str:
            if m.group(0) == "$$":
                return "$"
            name, default = m.group(1), m.group(2)
            if not _NAME.match(name):
                self.problems.append(
                    Problem(
                        self.file,
                        line,
                        col,
                        f"invalid variable reference '{m.group(0)}';"
                        " write ${NAME} or ${NAME:-default}",
                    )
                )
                return ""
            val = self.environ.get(name)
            if val:
                if not (path == ("target", "url") and _BARE_ORIGIN.match(val)):
                    self.secrets.add(val)
                    self.names.setdefault(val, name)
                return val
            if default is not None:  # as in the shell, ${NAME:-x} also replaces an empty NAME
                return default
            if val is not None:
                self.empty.setdefault(path, []).append(name)
                return val
            problem = Problem(
                self.file,
                line,
                col,
                f"environment variable {name} is not set; export it, or give a default"
                f" with ${{{name}:-value}}",
            )
            (self.problems if self.unset is None else self.unset).append(problem)
            return ""

        return _VAR.sub(sub, value)
