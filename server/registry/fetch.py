"""One registry's network side: every GET goes through the `registry.fetch` policy.

The policy (bulkhead/rate limit, deadline, retry on `RegistryUnavailable`, breaker per host)
runs `_attempt`, which makes one transport call, follows at most a few redirects after checking
each target (never connecting to a refused one), maps HTTP statuses to errors and validates the
payload. Every attempt is audited as a `fetch` event with the URL (no credentials), status,
bytes, sha256 and attempt number.
"""

from __future__ import annotations

import hashlib
import logging
from typing import TYPE_CHECKING, Generic, TypeVar, cast
from urllib.parse import urljoin, urlsplit

import attrs

from resilience import SYSTEM_CLOCK
from server import __version__
from server.registry.errors import RegistryError, RegistryRejected, RegistryUnavailable
from server.registry.urls import origin, refusal, safe_url

if TYPE_CHECKING:
    from collections.abc import Callable

    from resilience import AuditKind, AuditLog, Clock, Policy
    from server.registry.config import RegistryConfig
    from server.registry.transport import Response, Transport

__all__ = ["FETCH_KIND", "FetchEvent", "Fetcher"]

log = logging.getLogger(__name__)

T = TypeVar("T")

FETCH_KIND: AuditKind = "fetch"
"""The audit kind of one registry request (resilience's `AuditKind` does not list it yet)."""

_MAX_REDIRECTS = 3
_TRANSIENT = frozenset({408, 429, 502, 503, 504})
_MISSING = frozenset({404, 410})


@attrs.frozen
class FetchEvent:
    """One attempt, for progress reporting: `phase` is `start`, `done` or `error`."""

    registry: str
    url: str
    phase: str
    attempt: int
    status: int | None = None
    bytes: int = 0
    error: str | None = None


class _Secret:
    """A token that never shows itself in a repr, a str or a log line."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "<secret>"

    __str__ = __repr__


@attrs.define
class _Call(Generic[T]):
    """State of one logical fetch across its attempts."""

    url: str
    validate: Callable[[Response], T]
    attempts: int = 0
    last_error: RegistryError | None = None


class Fetcher:
    """Fetches URLs of one registry; raises only `RegistryError`s with clear, token-free text."""

    def __init__(
        self,
        config: RegistryConfig,
        policy: Policy[object],
        transport: Transport,
        *,
        token: str | None = None,
        audit: AuditLog | None = None,
        clock: Clock | None = None,
        listeners: list[Callable[[FetchEvent], object]] | None = None,
    ) -> None:
        self.config = config
        self.policy = policy
        self.transport = transport
        self.origin = origin(config.url)
        self._token = None if not token else _Secret(token)
        self._audit = audit
        self._clock = clock or SYSTEM_CLOCK
        self._listeners = listeners if listeners is not None else []
        self.last_success_at: float | None = None
        self.last_error: str | None = None
        self.last_error_at: float | None = None

    async def get(self, url: str, validate: Callable[[Response], T]) -> T | None:
        """`validate(response)` of a 2xx answer; None for 404/410; else a `RegistryError`."""
        call: _Call[T] = _Call(url, validate)
        outcome = await self.policy.run(self._attempt, call)
        if outcome.degraded is None:
            self.last_success_at = self._clock.wall()
            return cast("T | None", outcome.value)
        error = call.last_error
        if error is None or outcome.degraded.reason in (
            "circuit_open",
            "deadline",
            "rate_limited",
            "bulkhead_full",
        ):
            last = "" if call.last_error is None else f"; last error: {call.last_error}"
            error = RegistryUnavailable(
                f"registry {self.config.name!r} is unavailable for GET {safe_url(url)}: "
                f"{outcome.degraded.detail}{last}"
            )
        elif isinstance(error, RegistryUnavailable) and call.attempts > 1:
            error = RegistryUnavailable(
                f"{error} (gave up after {call.attempts} attempts)",
                status=error.status,
                retry_after_s=error.retry_after_s,
            )
        self.last_error = str(error)
        self.last_error_at = self._clock.wall()
        raise error

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json", "User-Agent": f"parsercraft-ls/{__version__}"}
        if self._token is not None:
            headers["Authorization"] = f"Bearer {self._token.reveal()}"
        return headers

    def _emit(self, event: FetchEvent) -> None:
        for listener in tuple(self._listeners):
            listener(event)

    def _record(
        self, call: _Call[T], url: str, status: int | None, body: bytes, error: RegistryError | None
    ) -> None:
        shown = safe_url(url)
        sha256 = hashlib.sha256(body).hexdigest() if body else None
        detail = None if error is None else f"{type(error).__name__}: {error}"
        log.debug(
            "registry fetch %s status=%s bytes=%d attempt=%d",
            shown,
            status,
            len(body),
            call.attempts,
        )
        if self._audit is not None:
            self._audit.record(
                FETCH_KIND,
                self.policy.name,
                error_class=None
                if error is None
                else ("transient" if error.is_transient else "permanent"),
                registry=self.config.name,
                url=shown,
                status=status,
                bytes=len(body),
                sha256=sha256,
                attempt=call.attempts,
                error=detail,
            )

    async def _attempt(self, call: _Call[T]) -> T | None:
        call.attempts += 1
        url = call.url
        self._emit(FetchEvent(self.config.name, safe_url(url), "start", call.attempts))
        response: Response | None = None
        try:
            response, url = await self._follow(url)
            value = self._judge(call, response, url)
        except RegistryError as exc:
            call.last_error = exc
            status = None if response is None else response.status
            body = b"" if response is None else response.body
            self._record(call, url, status, body, exc)
            self._emit(
                FetchEvent(
                    self.config.name,
                    safe_url(url),
                    "error",
                    call.attempts,
                    status,
                    len(body),
                    str(exc),
                )
            )
            raise
        self._record(call, url, response.status, response.body, None)
        self._emit(
            FetchEvent(
                self.config.name,
                safe_url(url),
                "done",
                call.attempts,
                response.status,
                len(response.body),
            )
        )
        return value

    async def _follow(self, url: str) -> tuple[Response, str]:
        """GET `url`, following up to 3 redirects whose targets pass `refusal` (checked first)."""
        headers = self._headers()
        start_origin = origin(url)
        for _ in range(_MAX_REDIRECTS + 1):
            response = await self.transport.get(
                url, headers=headers, max_bytes=self.config.max_bytes
            )
            if response.status not in (301, 302, 303, 307, 308):
                return response, url
            if not response.location:
                raise RegistryRejected(
                    f"GET {safe_url(url)} answered {response.status} without a Location"
                )
            target = urljoin(url, response.location)
            why = refusal(target, allow_http=self.config.allow_http)
            if (
                why is None
                and urlsplit(target).scheme != urlsplit(url).scheme
                and not (urlsplit(url).scheme == "http" and urlsplit(target).scheme == "https")
            ):
                why = "a redirect may not change the scheme"
            if why is not None:
                raise RegistryRejected(
                    f"registry {self.config.name!r}: refused redirect from {safe_url(url)} "
                    f"to {safe_url(target)}: {why}",
                    status=response.status,
                )
            if origin(target) != start_origin:
                headers.pop("Authorization", None)  # never hand the token to another host
            url = target
        raise RegistryRejected(f"GET {safe_url(url)}: more than {_MAX_REDIRECTS} redirects")

    def _judge(self, call: _Call[T], response: Response, url: str) -> T | None:
        status = response.status
        shown = safe_url(url)
        if 200 <= status < 300:
            return call.validate(response)
        if status in _MISSING:
            return None
        if status in _TRANSIENT:
            wait = (
                ""
                if response.retry_after_s is None
                else f"; retry after {response.retry_after_s:g}s"
            )
            raise RegistryUnavailable(
                f"registry {self.config.name!r} answered HTTP {status} for GET {shown}{wait}",
                status=status,
                retry_after_s=response.retry_after_s,
            )
        hint = ""
        if status in (401, 403):
            hint = (
                f"; check the token in ${self.config.token_env}"
                if self.config.token_env
                else "; the registry may need token_env"
            )
        raise RegistryRejected(
            f"registry {self.config.name!r} answered HTTP {status} for GET {shown}{hint}",
            status=status,
        )
