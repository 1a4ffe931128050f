"""RFC 6570 URI templates, the subset MCP resource templates use: ``{var}`` and ``{+var}``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote

__all__ = ["UriTemplate"]

_EXPR = re.compile(r"\{([+]?)([A-Za-z0-9_]+)\}")


@dataclass(frozen=True, slots=True)
class UriTemplate:
    """A compiled template that can match a concrete URI and return its variables."""

    template: str
    variables: tuple[str, ...] = field(init=False)
    _regex: re.Pattern[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        parts: list[str] = []
        names: list[str] = []
        pos = 0
        for m in _EXPR.finditer(self.template):
            parts.append(re.escape(self.template[pos : m.start()]))
            reserved, name = m.groups()
            # {var} stops at "/", "?" and "#"; {+var} (reserved expansion) may span them.
            parts.append(f"(?P<{name}>.+?)" if reserved else f"(?P<{name}>[^/?#]+)")
            names.append(name)
            pos = m.end()
        parts.append(re.escape(self.template[pos:]))
        object.__setattr__(self, "variables", tuple(names))
        object.__setattr__(self, "_regex", re.compile("^" + "".join(parts) + "$"))

    def match(self, uri: str) -> dict[str, str] | None:
        """The variables of ``uri`` if it matches the template, else None."""
        m = self._regex.match(uri)
        if m is None:
            return None
        return {k: unquote(v) for k, v in m.groupdict().items()}

    @staticmethod
    def is_template(uri: str) -> bool:
        """True if ``uri`` contains a template expression."""
        return _EXPR.search(uri) is not None
