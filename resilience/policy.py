"""Policy: a named composition of fallback, limiter/bulkhead, deadline, retry, breaker and call.

The layers run in this fixed order, outermost first. A rejection is never retried. `run` never
raises for a failure of the call: it returns an `Outcome`, degraded with the reason.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Generic, TypeAlias, TypeVar, TypeVarTuple, cast

import attrs

from resilience.audit import new_error_id
from resilience.classify import DEFAULT_CLASSIFIER, is_retryable
from resilience.clock import SYSTEM_CLOCK
from resilience.config import PolicyConfig, build_layers, parse_policy_config
from resilience.deadline import DeadlineQueue
from resilience.errors import (
    BulkheadFull,
    DeadlineExceeded,
    RateLimited,
    Rejected,
    RetriesExhausted,
)
from resilience.metrics import CallRecorder, PolicyStatistics
from resilience.outcome import Degradation, Outcome

if TYPE_CHECKING:
    from collections.abc import Mapping

    from resilience.audit import AuditKind, AuditLog
    from resilience.breaker import Breaker, Transition
    from resilience.bulkhead import Bulkhead
    from resilience.classify import Classifier
    from resilience.clock import Clock
    from resilience.deadline import DeadlineEntry
    from resilience.limiter import RateLimiter
    from resilience.outcome import Reason
    from resilience.retry import Retry, RetryAttempt, RetryOn
    from resilience.store import BreakerStore, BucketStore

__all__ = ["Fallback", "Policy"]

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")
Ts = TypeVarTuple("Ts")

Fallback: TypeAlias = Callable[[Degradation], T | Awaitable[T]]
"""Produces the degraded value from why the call degraded."""


def _rejection_reason(exc: Rejected) -> Reason:
    if isinstance(exc, RateLimited):
        return "rate_limited"
    if isinstance(exc, BulkheadFull):
        return "bulkhead_full"
    return "circuit_open"


def _const(value: T) -> Callable[[Degradation], T]:
    return lambda _degradation: value


class Policy(Generic[T]):
    """Runs calls through the configured layers; `T` is the type of the fallback value."""

    def __init__(
        self,
        name: str,
        *,
        clock: Clock | None = None,
        limiter: RateLimiter | None = None,
        bulkhead: Bulkhead | None = None,
        deadline_s: float | None = None,
        attempt_deadline_s: float | None = None,
        retry: Retry | None = None,
        breaker: Breaker | None = None,
        fallback: Fallback[T] | None = None,
        fallback_value: T | None = None,
        classifier: Classifier | None = None,
        audit: AuditLog | None = None,
        latency_window: int = 1024,
    ) -> None:
        self.name = name
        self.limiter = limiter
        self.bulkhead = bulkhead
        self.deadline_s = deadline_s
        self.attempt_deadline_s = attempt_deadline_s
        self.retry = retry
        self.breaker = breaker
        self.audit = audit
        self._clock = clock or SYSTEM_CLOCK
        self._classify = classifier or DEFAULT_CLASSIFIER
        self._fallback: Fallback[T] | None = (
            fallback
            if fallback is not None
            else None
            if fallback_value is None
            else _const(fallback_value)
        )
        self._deadlines = (
            None if deadline_s is None else DeadlineQueue(deadline_s, name=name, clock=self._clock)
        )
        self._attempt_deadlines = (
            None
            if attempt_deadline_s is None
            else DeadlineQueue(attempt_deadline_s, name=name, clock=self._clock)
        )
        self._recorder = CallRecorder(latency_window)
        self._listeners: list[Callable[[Transition], object]] = []
        if breaker is not None:
            breaker.add_listener(self._on_transition)
        if retry is not None:
            retry.add_listener(self._on_retry)

    @classmethod
    def from_config(
        cls,
        name: str,
        config: Mapping[str, object] | PolicyConfig,
        *,
        clock: Clock | None = None,
        fallback: Fallback[R] | None = None,
        fallback_value: R | None = None,
        retry_on: RetryOn = is_retryable,
        classifier: Classifier | None = None,
        audit: AuditLog | None = None,
        breaker_store: BreakerStore | None = None,
        bucket_store: BucketStore | None = None,
    ) -> Policy[R]:
        """A policy built from a settings table (camelCase or snake_case; see `PolicyConfig`).

        Raises `PolicyConfigError` naming the first unknown or invalid field.
        """
        cfg = config if isinstance(config, PolicyConfig) else parse_policy_config(name, config)
        clock = clock or SYSTEM_CLOCK
        layers = build_layers(
            name,
            cfg,
            clock=clock,
            retry_on=retry_on,
            breaker_store=breaker_store,
            bucket_store=bucket_store,
        )
        policy: Policy[R] = Policy(
            name,
            clock=clock,
            limiter=layers.limiter,
            bulkhead=layers.bulkhead,
            deadline_s=cfg.deadline_s,
            attempt_deadline_s=cfg.attempt_deadline_s,
            retry=layers.retry,
            breaker=layers.breaker,
            fallback=fallback,
            fallback_value=fallback_value,
            classifier=classifier,
            audit=audit,
        )
        if audit is not None:
            audit.record("config", name, settings=attrs.asdict(cfg))
        return policy

    # -- listeners -------------------------------------------------------------------------------

    def add_listener(self, listener: Callable[[Transition], object]) -> Callable[[], None]:
        """Call `listener` after each transition of this policy's breaker; returns a remover."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _on_transition(self, t: Transition) -> None:
        if self.audit is not None:
            self.audit.record(
                "breaker_transition", self.name, old=t.old.value, new=t.new.value, reason=t.reason
            )
        for listener in tuple(self._listeners):
            listener(t)

    def _on_retry(self, attempt: RetryAttempt) -> None:
        if self.audit is not None:
            error_class = self._classify(attempt.error)
            self.audit.record(
                "retry",
                self.name,
                error_class=None if error_class is None else error_class.value,
                attempt=attempt.attempt,
                sleep_s=round(attempt.sleep_s, 6),
                error=f"{type(attempt.error).__name__}: {attempt.error}",
            )

    # -- running ---------------------------------------------------------------------------------

    async def run_for(self, key: str, fn: Callable[[*Ts], Awaitable[T]], *args: *Ts) -> Outcome[T]:
        """Like `run`, drawing rate-limit tokens from the bucket of `key` (a client, a URI)."""
        return await self.run(fn, *args, key=key)

    async def run(self, fn: Callable[[*Ts], Awaitable[T]], *args: *Ts, key: str = "") -> Outcome[T]:
        """Run `fn(*args)` through every layer; never raises for a failure of the call.

        `key` picks the rate-limit bucket (default: the policy's single bucket).
        """
        # The hot path: no per-call timer, task or closure; the breaker is inlined without retry.
        clock = self._clock
        start = clock.monotonic()
        try:
            limiter = self.limiter
            if limiter is not None:
                if limiter.max_wait_s > 0:
                    await limiter.acquire(key)
                elif not limiter.try_acquire(key, now=start):
                    raise RateLimited(limiter.name, key, 1.0 / limiter.rate)
            bulkhead = self.bulkhead
            entered = bulkhead is None or bulkhead.try_enter()
            deadlines = self._deadlines
            entry = None if deadlines is None else deadlines.arm(start)
            began = start  # nothing above waited, unless the bulkhead queues us below
            try:
                if not entered:
                    # The overall deadline also bounds the wait for a bulkhead slot.
                    await cast("Bulkhead", bulkhead).enter()
                    entered = True
                    began = clock.monotonic()
                breaker = self.breaker
                if self.retry is not None:
                    value = await self.retry.call(
                        self._attempt,
                        fn,
                        args,
                        entry,
                        deadline_at=None if entry is None else entry.expires_at,
                    )
                    end = clock.monotonic()
                elif breaker is None or self._attempt_deadlines is not None:
                    value = await self._attempt(fn, args, entry)
                    end = clock.monotonic()
                else:
                    permit = breaker.acquire()
                    try:
                        value = await fn(*args)
                    except BaseException as exc:
                        self._breaker_error(breaker, permit, exc, clock.monotonic() - began, entry)
                        raise
                    end = clock.monotonic()
                    breaker.on_success(permit, end - began)
            except BaseException as exc:
                if entry is not None:
                    cast("DeadlineQueue", deadlines).disarm(entry, exc)
                raise
            finally:
                if entered and bulkhead is not None:
                    bulkhead.leave()
            if entry is not None:
                cast("DeadlineQueue", deadlines).disarm(entry)
            self._recorder.success(end - start)
            return Outcome(value)
        except Rejected as exc:
            reason = _rejection_reason(exc)
            self._recorder.rejection(reason)
            degradation = self._degrade(reason, exc, "rejection", "rejected")
        except DeadlineExceeded as exc:
            self._recorder.failure("timeout", clock.monotonic() - start)
            degradation = self._degrade("deadline", exc, "deadline", "timeout")
        except RetriesExhausted as exc:
            found = self._classify(exc.last_error)
            error_class = "unexpected" if found is None else found.value
            self._recorder.failure(error_class, clock.monotonic() - start)
            degradation = self._degrade("retries_exhausted", exc, "fallback", error_class)
        except Exception as exc:
            found = self._classify(exc)
            latency = clock.monotonic() - start
            if found is None:
                self._recorder.failure("unexpected", latency)
                degradation = self._degrade("unexpected", exc, "unexpected", None)
            else:
                self._recorder.failure(found.value, latency)
                degradation = self._degrade("failure", exc, "fallback", found.value)
        fallback = self._fallback
        if fallback is None:
            return Outcome(None, degradation)
        try:
            produced = fallback(degradation)
            fallback_value = await produced if inspect.isawaitable(produced) else produced
        except Exception as exc:
            log.error("%s: fallback failed for %s", self.name, degradation.error_id, exc_info=exc)
            if self.audit is not None:
                self.audit.record(
                    "unexpected",
                    self.name,
                    error_class="unexpected",
                    error_id=degradation.error_id,
                    reason="fallback failed",
                    detail=f"{type(exc).__name__}: {exc}",
                )
            return Outcome(None, degradation)
        return Outcome(cast("T", fallback_value), degradation)

    async def _attempt(
        self, fn: Callable[[*Ts], Awaitable[T]], args: tuple[*Ts], entry: DeadlineEntry | None
    ) -> T:
        """One attempt: the breaker around the per-attempt deadline around the call."""
        breaker = self.breaker
        attempts = self._attempt_deadlines
        clock = self._clock
        permit = 0 if breaker is None else breaker.acquire()
        began = clock.monotonic()
        inner = None if attempts is None else attempts.arm()
        try:
            result = await fn(*args)
        except BaseException as exc:
            if inner is not None:
                try:
                    cast("DeadlineQueue", attempts).disarm(inner, exc)
                except DeadlineExceeded as timeout:
                    if breaker is not None:
                        breaker.on_error(permit, timeout, clock.monotonic() - began)
                    raise
            if breaker is not None:
                self._breaker_error(breaker, permit, exc, clock.monotonic() - began, entry)
            raise
        if inner is not None:
            cast("DeadlineQueue", attempts).disarm(inner)
        if breaker is not None:
            breaker.on_success(permit, clock.monotonic() - began)
        return result

    def _breaker_error(
        self,
        breaker: Breaker,
        permit: int,
        exc: BaseException,
        duration_s: float,
        entry: DeadlineEntry | None,
    ) -> None:
        """Tell the breaker how the call ended; a cut by the overall deadline is a timeout."""
        if isinstance(exc, asyncio.CancelledError):
            if entry is not None and entry.expired:
                timeout = DeadlineExceeded(self.name, cast("float", self.deadline_s))
                breaker.on_error(permit, timeout, duration_s)
            else:
                breaker.release(permit)
            return
        breaker.on_error(permit, exc, duration_s)

    def _degrade(
        self, reason: Reason, exc: BaseException, kind: AuditKind, error_class: str | None
    ) -> Degradation:
        """Log and audit a degradation; the caller answers with the fallback."""
        error_id = new_error_id()
        detail = f"{type(exc).__name__}: {exc}"
        if reason == "unexpected":
            log.error("%s: unexpected error %s", self.name, error_id, exc_info=exc)
        else:
            log.debug("%s degraded (%s) %s: %s", self.name, reason, error_id, detail)
        if self.audit is not None:
            self.audit.record(
                kind,
                self.name,
                error_class=error_class or "unexpected",
                error_id=error_id,
                reason=reason,
                detail=detail,
            )
        return Degradation(reason, detail, error_id, error_class)

    # -- observing -------------------------------------------------------------------------------

    def statistics(self) -> PolicyStatistics:
        """Totals, recent rates, latency percentiles and the statistics of every layer."""
        r = self._recorder
        p50, p95, p99 = r.percentiles()
        recent, failed, limited, full, open_ = r.recent()
        breaker = None if self.breaker is None else self.breaker.statistics()
        return PolicyStatistics(
            name=self.name,
            breaker_state="none" if breaker is None else breaker.state.value,
            calls=r.calls,
            successes=r.successes,
            failures=r.failures(),
            rejections=r.rejections(),
            degraded=r.degraded,
            p50_ms=p50,
            p95_ms=p95,
            p99_ms=p99,
            recent_calls=recent,
            recent_failure_rate=failed,
            recent_rate_limited_rate=limited,
            recent_bulkhead_full_rate=full,
            recent_circuit_open_rate=open_,
            breaker=breaker,
            bulkhead=None if self.bulkhead is None else self.bulkhead.statistics(),
            limiter=None if self.limiter is None else self.limiter.statistics(),
            retry=None if self.retry is None else self.retry.statistics(),
        )
