"""Slow motion: GAN Lab's ten highlighted sub-steps of one epoch (D1-D5, G1-G5) and their clock.

Owns the sub-step table (texts from GAN Lab's tooltip strip, the graph components each one
highlights) and ``advance_slow_motion``, which moves ``UiState.slow_step`` on with time and
emits ``TrainPhase`` as D5 ("Updates discriminator") and G5 ("Updates generator") begin, so
the heatmap, the losses and the fakes change at the sub-step that names the update, as they
do on GAN Lab's screen. (GAN Lab runs the optimiser earlier, between D2 and D3, but redraws the
heatmap only after D5 and the fakes after G5; glgan draws every frame, so it trains where
the change is to be seen.) Pausing freezes the clock mid-epoch, as GAN Lab does.
"""

from __future__ import annotations

from dataclasses import dataclass

from glgan.ui.commands import Command, TrainPhase
from glgan.ui.state import UiState

# GAN Lab: each highlight is framed by two 1250 ms sleeps, so a sub-step shows for ~2.5 s.
SUBSTEP_SECONDS = 2.5
MAX_DT = 0.25  # a stalled frame must not skip sub-steps


@dataclass(frozen=True)
class SubStep:
    phase: str  # "d" or "g"
    number: int  # 1..5
    text: str
    components: frozenset[str]  # graph components highlighted (names used by graph.py)

    @property
    def label(self) -> str:
        return f"{self.phase.upper()}{self.number}"


def _s(phase: str, number: int, text: str, *components: str) -> SubStep:
    return SubStep(phase, number, text, frozenset(components))


SUBSTEPS: tuple[SubStep, ...] = (
    _s("d", 1, "Generator derives samples from noise", "noise", "generator", "fake"),
    _s("d", 2, "Discriminator classifies samples",
       "real", "fake", "discriminator", "real_pred", "fake_pred"),
    _s("d", 3, "Computes discriminator loss", "d_loss"),
    _s("d", 4, "Computes discriminator gradients", "d_gradients"),
    _s("d", 5, "Updates discriminator based on gradients", "discriminator"),
    _s("g", 1, "Generator derives samples from noise", "noise", "generator", "fake"),
    _s("g", 2, "Discriminator classifies fake samples only", "fake", "discriminator", "fake_pred"),
    _s("g", 3, "Computes generator loss", "g_loss"),
    _s("g", 4, "Computes generator gradients", "g_gradients"),
    _s("g", 5, "Updates generator based on gradients", "generator"),
)

# Train after leaving these sub-steps (index into SUBSTEPS): D after D4, G after G4.
TRAIN_AFTER = {3: "d", 8: "g"}


def current_substep(ui: UiState) -> SubStep | None:
    """The highlighted sub-step, or None when slow motion is off."""
    if not ui.slow_motion or ui.slow_step is None:
        return None
    return SUBSTEPS[ui.slow_step % len(SUBSTEPS)]


def advance_slow_motion(ui: UiState, dt: float) -> list[Command]:
    """Move the slow-motion clock by ``dt`` seconds of wall time; return TrainPhase commands."""
    if not ui.slow_motion:
        ui.slow_step = None
        ui.slow_elapsed = 0.0
        return []
    if ui.slow_step is None:
        ui.slow_step, ui.slow_elapsed = 0, 0.0
    if not ui.playing:
        return []
    out: list[Command] = []
    ui.slow_elapsed += min(max(dt, 0.0), MAX_DT) * ui.slow_speed
    while ui.slow_elapsed >= SUBSTEP_SECONDS:
        ui.slow_elapsed -= SUBSTEP_SECONDS
        net = TRAIN_AFTER.get(ui.slow_step)
        if net is not None:
            out.append(TrainPhase(net))  # type: ignore[arg-type]
        ui.slow_step = (ui.slow_step + 1) % len(SUBSTEPS)
    return out
