"""Timeline: snapshots of the whole engine state kept while training, within a memory budget,
so any past epoch can be shown again exactly and training can branch from it.

Owns which states are kept. ``record(state)`` adds the state at its epoch (the largest epoch of
its runs: runs that diverged stay behind, paused). Spacing follows age: the newest states are
dense and older ones thin out in proportion to their age (keep ``recent`` states per doubling of
age), so the count grows only with the logarithm of the run's length. When the kept states
exceed ``budget_bytes`` the one whose removal leaves the smallest gap relative to the spacing
its age asks for goes; the first state is always kept. Any epoch between two kept states is
rebuilt by ``state_at``: restore the nearest earlier state and train the difference, which the
engine does exactly (the random streams are part of the state), so every epoch can be shown.

A change made while looking at a past epoch starts a branch there (``branch``): the states
after it become an old branch (the last ``MAX_BRANCHES`` are kept, their heads can be returned
to) and recording goes on from that epoch. Imports only the engine's state type and Protocol.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

import numpy as np

from glgan.compute.api import GanEngine
from glgan.compute.state import EngineState

DEFAULT_BUDGET = 256 << 20  # bytes of kept states
MAX_BRANCHES = 8


def state_epoch(state: EngineState) -> int:
    """A state's place on the timeline: its runs' largest epoch."""
    return max(r.epoch for r in state.runs)


def state_bytes(state: EngineState) -> int:
    """Memory a kept state holds (its arrays)."""
    total = 0 if state.drawn is None else np.asarray(state.drawn).nbytes
    for run in state.runs:
        total += sum(np.asarray(v).nbytes for v in run.arrays().values())
    return total


@dataclass
class Branch:
    """The kept states that were the future before a change at ``start``: drawn greyed, and
    returned to whole (``Timeline.take_branch``)."""

    start: int
    epochs: list[int]
    states: list[EngineState]
    sizes: list[int]
    label: str = ""

    @property
    def head(self) -> EngineState:
        return self.states[-1]


@dataclass
class Timeline:
    """The kept states of the current branch, oldest first, and the old branches."""

    budget_bytes: int = DEFAULT_BUDGET
    recent: int = 16
    epochs: list[int] = field(default_factory=list)
    states: list[EngineState] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    branches: list[Branch] = field(default_factory=list)

    def __post_init__(self) -> None:
        if isinstance(self.budget_bytes, bool) or not isinstance(self.budget_bytes, int) or \
                self.budget_bytes < 1 << 20:
            raise ValueError(f"timeline budget={self.budget_bytes!r} bytes: at least 1 MiB")

    # -- recording --------------------------------------------------------------------------
    @property
    def nbytes(self) -> int:
        """Bytes held by the kept states, old branches included."""
        return sum(self.sizes) + sum(sum(b.sizes) for b in self.branches)

    @property
    def head(self) -> int | None:
        return self.epochs[-1] if self.epochs else None

    def clear(self) -> None:
        """Forget everything (a new experiment: reset, new runs, a loaded session)."""
        self.epochs, self.states, self.sizes, self.branches = [], [], [], []

    def record(self, state: EngineState) -> None:
        """Keep ``state`` (a snapshot: never changed afterwards). A state at or before the
        newest kept epoch replaces what is kept from there on (training went back)."""
        e = state_epoch(state)
        i = bisect.bisect_left(self.epochs, e)
        del self.epochs[i:], self.states[i:], self.sizes[i:]
        self.epochs.append(e)
        self.states.append(state)
        self.sizes.append(state_bytes(state))
        while self.nbytes > self.budget_bytes and self.branches:
            self.branches.pop(0)  # the oldest other future goes first
        while self.nbytes > self.budget_bytes and len(self.epochs) > 2:
            self._thin()

    def _want(self, age: float) -> float:
        """The spacing wanted for a state ``age`` epochs old: about ``recent`` per doubling."""
        return max(1.0, age / self.recent)

    def _thin(self) -> None:
        """Drop the inner state whose gap is smallest for the spacing its age asks for."""
        head, ep = self.epochs[-1], self.epochs
        best, best_i = None, None
        for i in range(1, len(ep) - 1):
            score = (ep[i + 1] - ep[i - 1]) / self._want(head - ep[i])
            if best is None or score < best:
                best, best_i = score, i
        del self.epochs[best_i], self.states[best_i], self.sizes[best_i]

    # -- reading ----------------------------------------------------------------------------
    def nearest(self, epoch: int) -> int:
        """Index of the newest kept state at or before ``epoch``."""
        i = bisect.bisect_right(self.epochs, epoch) - 1
        if i < 0:
            raise ValueError(f"epoch {epoch} is before the first kept one "
                             f"({self.epochs[0] if self.epochs else 'none kept'})")
        return i

    def state_at(self, epoch: int, scratch: GanEngine) -> EngineState:
        """The exact state at ``epoch`` (kept, or replayed from the nearest earlier kept state
        in ``scratch``, an engine of the same backend that is left holding it)."""
        if self.head is None or epoch > self.head:
            raise ValueError(f"epoch {epoch} is not on the timeline (0..{self.head})")
        i = self.nearest(epoch)
        scratch.restore(self.states[i])
        gap = epoch - self.epochs[i]
        if gap:
            scratch.train(gap)
        return scratch.snapshot() if gap else self.states[i]

    def step(self, epoch: int, direction: int) -> int:
        """The kept epoch before (-1) or after (+1) ``epoch`` (clamped to the ends)."""
        if not self.epochs:
            raise ValueError("nothing is kept yet")
        if direction < 0:
            i = bisect.bisect_left(self.epochs, epoch) - 1
            return self.epochs[max(i, 0)]
        i = bisect.bisect_right(self.epochs, epoch)
        return self.epochs[min(i, len(self.epochs) - 1)]

    # -- branching --------------------------------------------------------------------------
    def branch(self, epoch: int, state: EngineState, label: str = "") -> None:
        """A change at past ``epoch`` (whose exact ``state`` the caller rebuilt): the kept
        states after it become an old branch, and the timeline goes on from ``state``."""
        self._split(epoch, label)
        self.record(state)

    def _split(self, epoch: int, label: str) -> None:
        """Move the kept states after ``epoch`` into a new old branch."""
        i = bisect.bisect_right(self.epochs, epoch)
        if i < len(self.epochs):
            self.branches.append(Branch(epoch, self.epochs[i:], self.states[i:],
                                        self.sizes[i:], label))
            del self.branches[:-MAX_BRANCHES]
        del self.epochs[i:], self.states[i:], self.sizes[i:]

    def take_branch(self, index: int, label: str = "") -> EngineState:
        """Return to old branch ``index``: its kept states follow its branch point again and
        its head is returned (to become the live state); the current line from the branch
        point on is kept as an old branch in its place (``label``)."""
        if not 0 <= index < len(self.branches):
            raise ValueError(f"branch {index} does not exist; there are {len(self.branches)}")
        old = self.branches.pop(index)
        self._split(old.start, label)
        self.epochs += old.epochs
        self.states += old.states
        self.sizes += old.sizes
        return old.head
