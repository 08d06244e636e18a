"""How many threads LightGBM scores a batch with: the allowed number, or half of it if that has
been faster lately.

LightGBM splits a batch's rows statically over its OpenMP threads, so a batch takes as long as
its slowest thread. On cores that are really free, more threads are faster; on cores that other
processes also want (a shared host, the client on the same machine, another worker), one
thread that loses its core holds the whole batch, and half the threads can be much faster (two
threads 55 ms against one thread 33 ms for 1,000 census rows on a busy two-core machine). Which
case holds changes while the server runs, so it is measured, not configured: per batch-size
class, each count keeps a smoothed time per row, the faster one is used, and every
EXPLORE_EVERY-th batch tries the other so that a change is noticed.
"""
from __future__ import annotations

EXPLORE_EVERY = 16
SMOOTHING = 0.25  # weight of the newest batch in the smoothed time per row


class ThreadChoice:
    def __init__(self) -> None:
        self._seconds_per_row: dict[tuple[int, int], float] = {}  # (size class, threads) ->
        self._batches: dict[int, int] = {}  # size class -> batches scored with a choice

    def threads(self, allowed: int, rows: int) -> int:
        """The thread count to score `rows` rows with, at most `allowed`."""
        if allowed <= 1:
            return 1
        size = rows.bit_length()  # batches within a factor of two share their measurements
        fewer = allowed // 2
        known = self._seconds_per_row
        for candidate in (allowed, fewer):
            if (size, candidate) not in known:
                return candidate
        count = self._batches[size] = self._batches.get(size, 0) + 1
        fast, slow = sorted((allowed, fewer), key=lambda n: known[size, n])
        return slow if count % EXPLORE_EVERY == 0 else fast

    def scored(self, threads: int, rows: int, seconds: float) -> None:
        """Report how long a batch of `rows` rows took with `threads` threads."""
        if rows < 1:
            return
        key = (rows.bit_length(), threads)
        per_row = seconds / rows
        previous = self._seconds_per_row.get(key)
        self._seconds_per_row[key] = (
            per_row if previous is None else previous + SMOOTHING * (per_row - previous)
        )
