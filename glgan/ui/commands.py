"""Commands: the small frozen requests the UI emits and ``app.py`` applies.

The UI never calls the engine, the renderer or the recorder; it returns these. Each one says
what the user asked for, not how to do it. ``Command`` is the union of all of them.
UI-only effects (showing the overlay, the help window, the theme) never leave the UI.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from glgan.config import GanConfig
from glgan.layers import Layers

StepKind = Literal["both", "d", "g"]




@dataclass(frozen=True)
class Play:
    """Start continuous training (``UiState.playing`` is already True)."""


@dataclass(frozen=True)
class Pause:
    """Stop continuous training (``UiState.playing`` is already False)."""


@dataclass(frozen=True)
class TogglePlay:
    """Space bar. ``draw_overlay`` resolves it into Play or Pause; app.py never sees it."""


@dataclass(frozen=True)
class Step:
    """Train one epoch: "both" = k_d D steps then k_g G steps; "d" = 1 D step; "g" = 1 G step.

    GAN Lab's manual step buttons; the epoch counter advances in all three cases.
    """

    kind: StepKind = "both"


@dataclass(frozen=True)
class TrainPhase:
    """Slow motion: run this epoch's D phase (k_d D steps) or G phase (k_g G steps, then epoch+1).

    Emitted by the slow-motion clock as sub-steps D5 and G5 begin (the updates; ui/slowmo.py).
    While ``UiState.slow_motion`` is on, app.py trains only on these.
    """

    net: Literal["d", "g"]


@dataclass(frozen=True)
class Reset:
    """Start the runs over with the current settings (the user's edits are kept): with a new
    seed (``new_seed``, R: GAN Lab re-initialises randomly, so "sometimes it collapses" can be
    shown), or replaying the same seed exactly (Shift+R)."""

    new_seed: bool = True


@dataclass(frozen=True)
class RestorePreset:
    """Reload the current dataset's GAN Lab preset hyperparameters, then reset."""


@dataclass(frozen=True)
class SelectDataset:
    """Switch the target distribution: load its preset and start from scratch (GAN Lab)."""

    name: str


@dataclass(frozen=True)
class SetConfig:
    """Use this config from now on; app.py resets iff ``old.needs_reset(config)``."""

    config: GanConfig


@dataclass(frozen=True)
class UsePretrained:
    """Load (on) the dataset's pretrained weights and epoch count, or train from scratch (off)."""

    on: bool


@dataclass(frozen=True)
class SetEpochsPerFrame:
    """Epochs trained per rendered frame while playing (1..1000; GAN Lab is fixed at 1)."""

    n: int


@dataclass(frozen=True)
class SetSlowMotion:
    """Slow motion on/off; ``speed`` 1.0 = GAN Lab's 1.25 s per sub-step."""

    on: bool
    speed: float = 1.0


@dataclass(frozen=True)
class SetLayers:
    """Which layers of the main view are visible."""

    layers: Layers


@dataclass(frozen=True, eq=False)
class ApplyDrawing:
    """Use these user-drawn points, (N, 2) float32 in [0,1]^2, as the "drawn" dataset."""

    points: np.ndarray = field(repr=False)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ApplyDrawing) and np.array_equal(self.points, other.points)

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True)
class Screenshot:
    """Save a PNG of the window."""


@dataclass(frozen=True)
class ToggleRecord:
    """Start or stop video recording: ``view_only`` True leaves the panels out, False keeps
    them, None as the Record options say (UiState.record_view_only)."""

    view_only: bool | None = None


@dataclass(frozen=True)
class ToggleFullscreen:
    """Switch the window between fullscreen and windowed."""


@dataclass(frozen=True)
class FitView:
    """Frame the main view: "unit" = GAN Lab's [0,1]^2, "tanh" = the generator's whole
    range (-1,1)^2, "samples" = every real and fake sample."""

    mode: Literal["unit", "tanh", "samples"] = "unit"


@dataclass(frozen=True)
class ReloadShaders:
    """Recompile every shader from disk (keeps the old program on a compile error)."""


@dataclass(frozen=True)
class ToggleOverlay:
    """H: hide/show the overlay. Resolved inside the UI; app.py never sees it."""


@dataclass(frozen=True)
class ToggleHelp:
    """F1: show/hide the help window. Resolved inside the UI; app.py never sees it."""


@dataclass(frozen=True)
class Compare:
    """Replace the runs by one per combination of ``specs`` ("KEY=V1,V2,..."), applied to the
    focused run's settings: the runs train side by side in a grid."""

    specs: tuple[str, ...]


@dataclass(frozen=True)
class CloneRun:
    """Add a copy of the focused run (same weights and random streams) beside it."""


@dataclass(frozen=True)
class EndCompare:
    """Keep only the focused run."""


@dataclass(frozen=True)
class FocusRun:
    """Focus run ``index`` (the panels, charts and hover show it); ``maximize`` True makes it
    full size, False returns to the grid, None keeps the current mode."""

    index: int
    maximize: bool | None = None


@dataclass(frozen=True)
class SaveSession:
    """Ctrl+S: save every run and the view to ``path`` (None: the session's own file, or a
    new time-stamped one in the output folder)."""

    path: str | None = None


@dataclass(frozen=True)
class OpenSession:
    """Ctrl+O: continue from the session file ``path``; None opens the Open dialog (resolved
    inside the UI)."""

    path: str | None = None


@dataclass(frozen=True)
class ExportHistory:
    """Ctrl+E: write every run's history (epoch, losses, KL, JS) as CSV in the output
    folder."""


@dataclass(frozen=True)
class ScrubTo:
    """Show the state at a past ``epoch`` (kept or replayed exactly); None returns to the live
    head. "first" / "previous" / "next" step through the kept epochs (Home, Left, Right)."""

    epoch: int | Literal["first", "previous", "next"] | None = None


@dataclass(frozen=True)
class BranchHere:
    """Continue training from the epoch being shown: the old future becomes a branch."""


@dataclass(frozen=True)
class TakeBranch:
    """Return to old branch ``index`` (the current future is kept as a branch)."""

    index: int


@dataclass(frozen=True)
class ToggleSlowMotion:
    """M: slow motion on/off. Resolved inside the UI into SetSlowMotion."""


@dataclass(frozen=True)
class ScaleSpeed:
    """= / -: epochs per frame times ``factor`` (1..1000). Resolved into SetEpochsPerFrame."""

    factor: float


@dataclass(frozen=True)
class TogglePretrained:
    """P: start from GAN Lab's pretrained model or from scratch. Resolved into UsePretrained."""


@dataclass(frozen=True)
class ImportData:
    """Train on the points of a file (CSV: x,y per line; an image: dark pixels are the
    density): they become the "drawn" dataset and the drawing window's points."""

    path: str


@dataclass(frozen=True)
class ApplyFix:
    """A warning's suggested fix for the focused run: "set" applies ``changes`` ((field,
    value) pairs of GanConfig) as a live edit; "reset" applies them and starts over."""

    action: Literal["set", "reset"]
    changes: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class ToggleLayer:
    """Shift+1..6: one layer of the view on/off (a name from glgan.layers.LAYER_NAMES)."""

    name: str


@dataclass(frozen=True)
class ZoomView:
    """Z / X: zoom the view about its centre by ``factor`` (> 1 zooms in)."""

    factor: float


@dataclass(frozen=True)
class ToggleCompare:
    """C: compare on (the Compare panel's choice) / off (keep the focused run)."""


@dataclass(frozen=True)
class ToggleAutoFit:
    """A: frame the view automatically when samples leave it, on/off."""


@dataclass(frozen=True)
class ResetSettings:
    """Forget the saved display settings (scale, theme, output folder): the defaults again."""


Command = (
    Play | Pause | TogglePlay | Step | TrainPhase | Reset | RestorePreset | SelectDataset
    | SetConfig | UsePretrained | SetEpochsPerFrame | SetSlowMotion | SetLayers | ApplyDrawing
    | Screenshot | ToggleRecord | ToggleFullscreen | ReloadShaders | ToggleOverlay | ToggleHelp
    | FitView | Compare | CloneRun | EndCompare | FocusRun | SaveSession | OpenSession
    | ExportHistory | ScrubTo | BranchHere | TakeBranch | ResetSettings | ToggleSlowMotion
    | ScaleSpeed | TogglePretrained | ToggleLayer | ZoomView | ToggleCompare | ToggleAutoFit
    | ImportData | ApplyFix
)

# Commands that draw_overlay consumes itself; app.py never receives them.
UI_ONLY = (TogglePlay, ToggleOverlay, ToggleHelp)
