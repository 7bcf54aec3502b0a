"""Slow motion: GAN Lab's ten highlighted sub-steps of one epoch (D1-D5, G1-G5) and their clock.

Owns the sub-step table (texts from GAN Lab's tooltip strip, the graph components each one
highlights), the captions (one plain line per sub-step saying what happens, with the loss's
formula at the loss sub-steps: ``caption``, drawn over the view by ``draw_caption``) and
``advance_slow_motion``, which moves ``UiState.slow_step`` on with time and
emits ``TrainPhase`` as D5 ("Updates discriminator") and G5 ("Updates generator") begin, so
the heatmap, the losses and the fakes change at the sub-step that names the update, as they
do on GAN Lab's screen. (GAN Lab runs the optimiser earlier, between D2 and D3, but redraws the
heatmap only after D5 and the fakes after G5; glgan draws every frame, so it trains where
the change is to be seen.) Pausing freezes the clock mid-epoch, as GAN Lab does.
"""

from __future__ import annotations

from dataclasses import dataclass

from imgui_bundle import imgui

from glgan.config import GanConfig
from glgan.palette import view_style
from glgan.ui import theme
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

# What happens, one line each (D1..D5, G1..G5); {d_loss} / {g_loss}: the formula in use.
CAPTIONS = (
    "G turns a batch of noise z into fake samples G(z): the {fake} dots.",
    "D scores real and fake samples: D(x) is its belief that x is real ({real} = real).",
    "D's loss: low when it calls real samples real and fakes fake.  {d_loss}",
    "Backpropagation: how each of D's weights should change to lower its loss.",
    "D takes a step: the heatmap, its verdict over the plane, changes.",
    "G makes a fresh batch of fakes from new noise.",
    "D scores the fakes only: G is judged by D's verdict on them.",
    "G's loss: low when D mistakes its fakes for real.  {g_loss}",
    "Backpropagation through D into G: the {grad} lines show where each fake should move.",
    "G takes a step: the fakes move along those lines, towards what D calls real.",
)

D_LOSS = {
    "log": "L_D = -[w·mean log D(x) + mean log(1 - D(G(z)))], w = {w:g}",
    "minimax": "L_D = -[w·mean log D(x) + mean log(1 - D(G(z)))], w = {w:g}",
    "leastsq": "L_D = mean (D(x) - 1)² + mean D(G(z))²",
    "hinge": "L_D = mean max(0, 1 - l(x)) + mean max(0, 1 + l(G(z))), l = D's logit",
    "wasserstein": "L_D = mean C(G(z)) - mean C(x), C = the critic's score "
                   "(weights clipped to ±{clip:g})",
}
G_LOSS = {
    "log": "L_G = -mean log D(G(z))  (non-saturating)",
    "minimax": "L_G = mean log(1 - D(G(z)))  (saturating: weak when D wins)",
    "leastsq": "L_G = mean (D(G(z)) - 1)²",
    "hinge": "L_G = -mean l(G(z))",
    "wasserstein": "L_G = -mean C(G(z))",
}


def caption(step: SubStep, cfg: GanConfig, words: tuple[str, str, str] = ("green", "purple",
                                                                          "pink")) -> str:
    """The sub-step's one-line caption for ``cfg`` (the loss formula in use at D3 and G3),
    naming the colours by ``words`` (real, fake, gradient: the palette's ViewStyle.words)."""
    i = SUBSTEPS.index(step)
    d_loss = D_LOSS.get(cfg.loss, "").format(w=cfg.real_weight, clip=cfg.clip)
    real, fake, grad = words
    return CAPTIONS[i].format(d_loss=d_loss, g_loss=G_LOSS.get(cfg.loss, ""), real=real,
                              fake=fake, grad=grad)


def draw_caption(ui: UiState, cfg: GanConfig, rect) -> str:
    """Slow motion's caption as a subtitle at the bottom of the view ``rect`` (x, y, w, h);
    returns the text shown ("" when slow motion is off)."""
    step = current_substep(ui)
    if step is None:
        return ""
    text = f"{step.label}  {caption(step, cfg, view_style(ui.palette, ui.theme).words)}"
    x, y, w, h = rect
    if w < 1 or h < 1:
        return text
    size = max(15.0, min(w, h) / 34.0) * ui.scale
    font = imgui.get_font()
    scale = size / imgui.get_font_size()
    wrap = max(w - 3 * size, size)  # long formulas wrap onto a second line
    extent = imgui.calc_text_size(text, False, wrap / scale)
    width, height = extent.x * scale, extent.y * scale
    pad = size * 0.4
    bx, by = x + (w - width) / 2, y + h - height - size * 1.2
    phase = theme.D_COLOR if step.phase == "d" else theme.G_COLOR
    dl = imgui.get_foreground_draw_list()
    dl.add_rect_filled((bx - pad, by - pad), (bx + width + pad, by + height + pad),
                       theme.col32(20, 20, 24, 0.78), size * 0.3)
    dl.add_rect_filled((bx - pad, by - pad), (bx - pad + size * 0.25, by + height + pad),
                       phase, 0.0)
    dl.add_text(font, size, (bx, by), theme.col32(255, 255, 255), text, wrap)
    return text


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
