"""Transports: one GET per call, no retries, no redirects followed, a body size cap.

`HttpTransport` (httpx) translates every httpx error, once, into `RegistryUnavailable` or
`RegistryRejected`; `FileTransport` serves `file://` registries. Neither ever sees a token in
a message: callers pass it as a header, and errors name only `safe_url(url)`.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from urllib.parse import unquote, urlsplit

import attrs
import httpx

from resilience import SYSTEM_CLOCK
from server.registry.errors import RegistryRejected, RegistryUnavailable
from server.registry.urls import safe_url

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Mapping

    from resilience import Clock

__all__ = ["FileTransport", "HttpTransport", "Response", "Transport", "parse_retry_after"]

_MAX_RETRY_AFTER_S = 300.0


@attrs.frozen
class Response:
    """A whole response: status, the headers callers need, and the capped body."""

    url: str
    status: int
    body: bytes = attrs.field(repr=False)
    location: str | None = None
    retry_after_s: float | None = None


class Transport(Protocol):
    """Fetches one URL; raises only `RegistryUnavailable` or `RegistryRejected`."""

    async def get(self, url: str, *, headers: Mapping[str, str], max_bytes: int) -> Response:
        """One GET with no redirect followed and no retry."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...


def parse_retry_after(value: str | None, now_wall: float) -> float | None:
    """Seconds from a `Retry-After` header (delta seconds or an HTTP date), capped at 300."""
    if not value:
        return None
    value = value.strip()
    try:  # delta seconds; a fraction is not standard but harmless to honour
        return min(max(0.0, float(value)), _MAX_RETRY_AFTER_S)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return min(max(0.0, when.timestamp() - now_wall), _MAX_RETRY_AFTER_S)


def _too_big(url: str, max_bytes: int) -> RegistryRejected:
    return RegistryRejected(f"response from {safe_url(url)} exceeds the {max_bytes}-byte cap")


class HttpTransport:
    """httpx with per-attempt connect/read timeouts and an attempt timeout over the whole body."""

    def __init__(
        self,
        *,
        connect_timeout_s: float = 2.0,
        read_timeout_s: float = 5.0,
        attempt_timeout_s: float = 10.0,
        clock: Clock | None = None,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.attempt_timeout_s = attempt_timeout_s
        self._clock = clock or SYSTEM_CLOCK
        timeout = httpx.Timeout(
            connect=connect_timeout_s,
            read=read_timeout_s,
            write=read_timeout_s,
            pool=connect_timeout_s,
        )
        # trust_env=False: no proxy or .netrc credentials picked up behind the user's back.
        self._client = client or httpx.AsyncClient(
            timeout=timeout, follow_redirects=False, trust_env=False
        )

    @contextlib.asynccontextmanager
    async def _translated(self, url: str) -> AsyncIterator[None]:
        """Map every httpx and timeout error to a registry error naming the safe URL."""
        shown = safe_url(url)
        try:
            async with asyncio.timeout(self.attempt_timeout_s):
                yield
        except TimeoutError as exc:
            raise RegistryUnavailable(
                f"GET {shown} took longer than {self.attempt_timeout_s:g}s"
            ) from exc
        except httpx.TimeoutException as exc:
            raise RegistryUnavailable(f"GET {shown} timed out ({type(exc).__name__})") from exc
        except (httpx.TransportError, OSError) as exc:
            # Connect errors, resets, truncated bodies: the network or the peer failed.
            raise RegistryUnavailable(
                f"GET {shown} failed: {type(exc).__name__}: {_first_line(exc)}"
            ) from exc
        except httpx.HTTPError as exc:
            raise RegistryRejected(f"GET {shown} failed: {type(exc).__name__}") from exc

    async def get(self, url: str, *, headers: Mapping[str, str], max_bytes: int) -> Response:
        """One GET; the body is read up to `max_bytes` and refused beyond it."""
        async with self._translated(url):
            request = self._client.build_request("GET", url, headers=dict(headers))
            response = await self._client.send(request, stream=True)
            try:
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    raise _too_big(url, max_bytes)
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise _too_big(url, max_bytes)
                    chunks.append(chunk)
            finally:
                await response.aclose()
            return Response(
                url=url,
                status=response.status_code,
                body=b"".join(chunks),
                location=response.headers.get("location"),
                retry_after_s=parse_retry_after(
                    response.headers.get("retry-after"), self._clock.wall()
                ),
            )

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else "no detail"


class FileTransport:
    """Reads `file://` URLs off the event loop; a missing file is a 404."""

    async def get(self, url: str, *, headers: Mapping[str, str], max_bytes: int) -> Response:
        """The file's bytes as a 200, or a 404; other OS errors are `RegistryUnavailable`."""
        del headers  # a file registry has no authentication
        path = Path(unquote(urlsplit(url).path))
        try:
            body = await asyncio.to_thread(_read_capped, path, max_bytes)
        except FileNotFoundError:
            return Response(url, 404, b"")
        except IsADirectoryError:
            return Response(url, 404, b"")
        except OSError as exc:
            raise RegistryUnavailable(f"cannot read {safe_url(url)}: {exc.strerror}") from exc
        if body is None:
            raise _too_big(url, max_bytes)
        return Response(url, 200, body)

    async def aclose(self) -> None:
        """Nothing to release."""


def _read_capped(path: Path, max_bytes: int) -> bytes | None:
    with path.open("rb") as file:
        data = file.read(max_bytes + 1)
    return None if len(data) > max_bytes else data
