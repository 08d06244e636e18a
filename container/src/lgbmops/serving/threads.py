"""How a batch is scored: with how many LightGBM threads, and whether its CSV is decoded while
LightGBM predicts the part before. Chosen by measured speed, not configured.

LightGBM splits a batch's rows statically over its OpenMP threads, so a batch takes as long as
its slowest thread. On cores that are really free, more threads are faster; on cores that other
processes also want (a shared host, a client on the same machine, another worker), one thread
that loses its core holds the whole batch, and fewer threads can be much faster (1,000 census
rows on a busy two-core machine: 55 ms with two threads, 33 ms with one). Then the core that
LightGBM leaves is better spent decoding the next part of the CSV body while it predicts this
one. Which case holds changes while the server runs: for each size class of batch, each way
keeps a smoothed time per row, the fastest is used, and every EXPLORE_EVERY-th batch tries
another one so that a change is noticed.
"""
from __future__ import annotations

from dataclasses import dataclass

EXPLORE_EVERY = 16
SMOOTHING = 0.25  # weight of the newest batch in the smoothed time per row


@dataclass(frozen=True)
class Plan:
    threads: int  # LightGBM's num_threads
    pipelined: bool = False  # decode part k + 1 while LightGBM predicts part k


class MeasuredChoice:
    """Among a few plans for the same work, the one that has been fastest per row lately."""

    def __init__(self) -> None:
        self._seconds_per_row: dict[tuple[int, Plan], float] = {}
        self._batches: dict[int, int] = {}  # size class -> batches chosen among measured plans

    def choose(self, plans: tuple[Plan, ...], rows: int) -> Plan:
        if len(plans) == 1:
            return plans[0]
        size = rows.bit_length()  # batches within a factor of two share their measurements
        known = self._seconds_per_row
        for plan in plans:
            if (size, plan) not in known:
                return plan
        count = self._batches[size] = self._batches.get(size, 0) + 1
        ranked = sorted(plans, key=lambda plan: known[size, plan])
        if count % EXPLORE_EVERY:
            return ranked[0]
        return ranked[1 + (count // EXPLORE_EVERY) % (len(ranked) - 1)]  # the others in turn

    def scored(self, plan: Plan, rows: int, seconds: float) -> None:
        """Report how long a batch of `rows` rows took with `plan`."""
        if rows < 1:
            return
        key = (rows.bit_length(), plan)
        per_row = seconds / rows
        previous = self._seconds_per_row.get(key)
        self._seconds_per_row[key] = (
            per_row if previous is None else previous + SMOOTHING * (per_row - previous)
        )
