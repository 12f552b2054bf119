"""SchedulerConfig: how one scheduler instance behaves, built once where the process starts.

Defaults are kube-scheduler's: profile `default-scheduler`, LeastAllocated scoring,
adaptive percentageOfNodesToScore (0), pod backoff 1 s doubling to 10 s, unschedulable
pods retried at least every 5 minutes. `bind_concurrency` bounds the bindings (and status
writes) in flight, which run while the loop goes on deciding, as kube's binding cycle does;
`bind_connections` is how many keep-alive connections carry the bindings;
`scheduled_events_per_second` bounds the best-effort `Scheduled` events.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pacific.scheduler.framework import Weights
from pacific.scheduler.scores import LEAST_ALLOCATED, MOST_ALLOCATED

STRATEGIES = (LEAST_ALLOCATED, MOST_ALLOCATED)


@dataclass(frozen=True, slots=True)
class SchedulerConfig:
    scheduler_name: str = "default-scheduler"
    score_strategy: str = LEAST_ALLOCATED
    percentage_of_nodes_to_score: int = 0
    weights: Weights = field(default_factory=Weights)
    initial_backoff: float = 1.0
    max_backoff: float = 10.0
    max_unschedulable: float = 300.0
    bind_concurrency: int = 16
    bind_connections: int = 8
    scheduled_events_per_second: float = 50.0

    def __post_init__(self) -> None:
        if self.score_strategy not in STRATEGIES:
            raise ValueError(f"score_strategy must be one of {STRATEGIES}")
        if not 0 <= self.percentage_of_nodes_to_score <= 100:
            raise ValueError("percentage_of_nodes_to_score must be within 0..100")
        if self.scheduled_events_per_second <= 0:
            raise ValueError("scheduled_events_per_second must be positive")
        if self.bind_concurrency < 1:
            raise ValueError("bind_concurrency must be at least 1")
        if self.bind_connections < 1:
            raise ValueError("bind_connections must be at least 1")
