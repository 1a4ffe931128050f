"""Rate limits: token buckets per session and per principal, by tool name or method.

A request takes a token from every bucket whose rule matches it; when one is empty the
request is refused at once with ``RateLimited`` (its ``retry_after`` says when a token will
be there): nothing waits, so a busy client never holds up anyone else.
"""

from __future__ import annotations

import fnmatch
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mcp_workbench.config import RateRule
from mcp_workbench.errors import RateLimited

__all__ = ["RateLimiter", "TokenBucket"]

_PRUNE_ABOVE = 10_000


@dataclass(slots=True)
class TokenBucket:
    """``burst`` tokens, refilled at ``rate`` per second."""

    rate: float
    burst: float
    tokens: float
    stamp: float

    def take(self, now: float) -> float:
        """Take a token; 0.0 when one was there, else the seconds until there is one."""
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate

    def full(self, now: float) -> bool:
        """True when it would be full by ``now`` (nothing to remember about it)."""
        return self.tokens + (now - self.stamp) * self.rate >= self.burst


class RateLimiter:
    """The configured rules and the per-principal buckets (per-session ones live on the
    session, so they go when it goes)."""

    def __init__(
        self, rules: Sequence[RateRule], clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rules = list(rules)
        self.clock = clock
        self._principal_buckets: dict[tuple[int, str], TokenBucket] = {}
        self._matches: dict[str, list[int]] = {}

    @property
    def active(self) -> bool:
        """False when there are no rules (then nothing is counted)."""
        return bool(self.rules)

    def _rules_for(self, name: str) -> list[int]:
        found = self._matches.get(name)
        if found is None:
            found = [i for i, r in enumerate(self.rules) if fnmatch.fnmatchcase(name, r.match)]
            if len(self._matches) < 4096:
                self._matches[name] = found
        return found

    def check(
        self, name: str, session_buckets: dict[int, TokenBucket], principal: str | None
    ) -> None:
        """Take a token for a request named ``name`` (tool name, or method) from every
        matching bucket.

        Raises:
            RateLimited: a bucket is empty; nothing was taken from the others.
        """
        matching = self._rules_for(name)
        if not matching:
            return
        now = self.clock()
        buckets: list[TokenBucket] = []
        for index in matching:
            rule = self.rules[index]
            if rule.per == "session":
                bucket = session_buckets.get(index)
                if bucket is None:
                    bucket = session_buckets[index] = self._new(rule, now)
            else:
                key = (index, principal or "anonymous")
                bucket = self._principal_buckets.get(key)
                if bucket is None:
                    self._prune(now)
                    bucket = self._principal_buckets[key] = self._new(rule, now)
            buckets.append(bucket)
        waits = [bucket.take(now) for bucket in buckets]
        wait = max(waits)
        if wait > 0:
            for bucket, waited in zip(buckets, waits, strict=True):
                if waited == 0.0:
                    bucket.tokens += 1.0  # give back what this refused request took
            raise RateLimited(
                f"Rate limit exceeded for {name}; retry in {wait:.2f} s",
                retry_after=round(wait, 3),
            )

    @staticmethod
    def _new(rule: RateRule, now: float) -> TokenBucket:
        return TokenBucket(rule.rate, float(rule.burst), float(rule.burst), now)

    def _prune(self, now: float) -> None:
        if len(self._principal_buckets) > _PRUNE_ABOVE:
            for key in [k for k, b in self._principal_buckets.items() if b.full(now)]:
                del self._principal_buckets[key]
