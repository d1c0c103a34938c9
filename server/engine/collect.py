"""Pausing the cyclic garbage collector around engine passes that build many records."""

from __future__ import annotations

import contextlib
import gc
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause automatic cyclic GC for one engine pass, restoring the previous state afterwards.

    Tokens, syntax records and PEG nodes are NamedTuples, which the collector never untracks,
    so on a large document its full collections rescan the growing record set again and again
    (measured: the 10k/1k-line time ratio of a full analysis was 12-14 with collection on,
    10-11 with it paused). A pass creates no reference cycles, so deferring collection loses
    nothing; reference counting still frees everything, and `timeit` does the same.

    On the way out the young objects (the pass's records, thousands of them) are moved to the
    oldest generation without being scanned (`gc.freeze()` then `gc.unfreeze()`): otherwise
    the first allocation after the pass runs a young collection over all of them, a tenth of
    the analysis of a 100-statement program. Most are freed by reference counting before the
    next full collection; any cyclic garbage another part of the process made meanwhile is
    found by that full collection instead of a young one. The process never keeps objects in
    `gc.freeze()`'s permanent generation for its own use, so unfreezing returns nothing that
    was meant to stay frozen. Passes nest; a concurrent pass may re-enable collection early,
    which costs speed, not correctness.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.freeze()
            gc.unfreeze()
            gc.enable()
