"""Hyperparameters panel: one widget per GanConfig field, with GAN Lab's choices.

Emits ``SetConfig`` only when a value really changed. Widgets hand back float32-rounded
floats, so values are cast with ``float()`` (typed ones rounded to 6 significant digits) and
the config's exact value is kept when the widget did not change. Fields that reset the model
commit when the widget is released, so dragging "neurons" from 8 to 50 resets once, not 42
times. An invalid value never raises: the ConfigError text is shown in the panel instead.

Slider bounds and combo choices come from the config's settings table (``field_spec``); the
only UI-specific numbers are the documented display ranges in ``DISPLAY_RANGES`` and GAN Lab's
learning-rate list.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from imgui_bundle import imgui

from glgan.config import GANLAB_LEARNING_RATES, ConfigError, GanConfig, field_spec
from glgan.ui import theme as th
from glgan.ui.commands import Command, SetConfig
from glgan.ui.state import UiState
from glgan.ui.widgets import hook

LOSS_TITLES: Mapping[str, str] = MappingProxyType({
    "log": "Log loss (non-saturating G)", "minimax": "Minimax (saturating G)",
    "leastsq": "Least squares", "hinge": "Hinge",
    "wasserstein": "Wasserstein (a critic, clipped)"})

# Deliberate display ranges for float sliders, narrower than what validate() accepts (typed
# values, --set and JSON still get the whole range). (lo, hi); None = the table's bound.
#   real_weight: a slider cannot offer the open bound 0 (invalid), so it starts at 0.01.
#   adam_beta1/2: only values near the usual 0.9 / 0.999 are useful to drag through.
DISPLAY_RANGES: Mapping[str, tuple[float | None, float | None]] = MappingProxyType({
    "real_weight": (0.01, None),
    "adam_beta1": (None, 0.999),
    "adam_beta2": (0.9, 0.9999),
    "rmsprop_rho": (0.5, 0.999),
    "momentum": (None, 0.99),
    "clip": (0.001, 0.1),
})


def slider_bounds(name: str) -> tuple[float, float]:
    """(lo, hi) a slider for numeric field ``name`` shows: the table's range, narrowed by
    ``DISPLAY_RANGES``; never wider than the table, so a slider cannot offer invalid values."""
    spec = field_spec(name)
    if spec.lo is None or spec.hi is None:
        raise ValueError(f"{name} is a {spec.kind} setting, not a numeric one")
    d_lo, d_hi = DISPLAY_RANGES.get(name, (None, None))
    lo = spec.lo if d_lo is None else max(spec.lo, d_lo)
    hi = spec.hi if d_hi is None else min(spec.hi, d_hi)
    return lo, hi


def _tooltip(name: str) -> None:
    spec = field_spec(name)
    effect = "applies live" if spec.live else "resets the model"
    imgui.set_item_tooltip(f"{name}: {spec.doc}\n({effect})")


def _label(text: str, name: str) -> str:
    return f"{text}{'' if field_spec(name).live else ' *'}##{name}"


class _Form:
    """Collects edits of one frame and turns the first valid one into a SetConfig."""

    def __init__(self, ui: UiState, cfg: GanConfig) -> None:
        self.ui, self.cfg = ui, cfg
        self.out: list[Command] = []

    def commit(self, name: str, value: Any) -> None:
        if value == getattr(self.cfg, name):
            return
        try:
            new = self.cfg.replace(**{name: value})
        except ConfigError as e:
            self.ui.config_error = str(e)
            return
        self.ui.config_error = ""
        self.cfg = new
        self.out.append(SetConfig(new))

    def _released(self, name: str, changed: bool, value: Any) -> None:
        """Stash a dragged/typed value; commit it when the widget is let go."""
        if changed:
            self.ui.edits[name] = value
        if imgui.is_item_deactivated_after_edit() or (changed and not imgui.is_item_active()):
            self.commit(name, self.ui.edits.pop(name, value))

    def shown(self, name: str) -> Any:
        return self.ui.edits.get(name, getattr(self.cfg, name))

    def int_slider(self, text: str, name: str) -> None:
        lo, hi = slider_bounds(name)
        imgui.set_next_item_width(-120 * self.ui.scale)
        changed, v = imgui.slider_int(_label(text, name), int(self.shown(name)), int(lo), int(hi))
        hook(self.ui, name)
        _tooltip(name)
        if field_spec(name).live:
            if changed:
                self.commit(name, int(v))
        else:
            self._released(name, changed, int(v))

    def float_slider(self, text: str, name: str, fmt: str) -> None:
        lo, hi = slider_bounds(name)
        imgui.set_next_item_width(-120 * self.ui.scale)
        changed, v = imgui.slider_float(_label(text, name), float(self.shown(name)),
                                        float(lo), float(hi), fmt)
        hook(self.ui, name)
        _tooltip(name)
        if changed:
            self.commit(name, float(f"{float(v):.6g}"))

    def typed_float(self, text: str, name: str, fmt: str = "%.6g") -> None:
        imgui.set_next_item_width(-120 * self.ui.scale)
        changed, v = imgui.input_float(_label(text, name), float(self.shown(name)), 0.0, 0.0, fmt)
        hook(self.ui, name)
        _tooltip(name)
        self._released(name, changed, float(f"{float(v):.6g}"))

    def typed_int(self, text: str, name: str) -> None:
        """An integer field; typed as text so values beyond int32 (seeds up to 2^32-1) work."""
        imgui.set_next_item_width(-120 * self.ui.scale)
        flags = imgui.InputTextFlags_.chars_decimal
        changed, v = imgui.input_text(_label(text, name), str(int(self.shown(name))), flags)
        hook(self.ui, name)
        _tooltip(name)
        try:
            value = int(v.strip() or 0)
        except ValueError:
            changed, value = False, int(self.shown(name))
        self._released(name, changed, value)

    def choice(self, text: str, name: str, titles: Mapping | None = None) -> None:
        choices = field_spec(name).choices
        current = getattr(self.cfg, name)
        items = [str((titles or {}).get(c, c)) for c in choices]
        idx = choices.index(current) if current in choices else 0
        imgui.set_next_item_width(-120 * self.ui.scale)
        changed, i = imgui.combo(_label(text, name), idx, items)
        hook(self.ui, name)
        _tooltip(name)
        if changed:
            self.commit(name, choices[i])

    def learning_rate(self, text: str, name: str) -> None:
        """GAN Lab's seven rates in a combo, plus a free field for any other value."""
        current = float(getattr(self.cfg, name))
        imgui.set_next_item_width(70 * self.ui.scale)
        if imgui.begin_combo(f"##{name}_combo", f"{current:g}"):
            for rate in GANLAB_LEARNING_RATES:
                picked, _ = imgui.selectable(f"{rate:g}##{name}", rate == current)
                hook(self.ui, f"{name}={rate:g}")
                if picked:
                    self.commit(name, rate)
            imgui.end_combo()
        hook(self.ui, f"{name}_combo")
        _tooltip(name)
        imgui.same_line()
        imgui.set_next_item_width(-120 * self.ui.scale)
        changed, v = imgui.input_float(_label(text, name), float(self.shown(name)), 0.0, 0.0,
                                       "%.6g")
        hook(self.ui, name)
        _tooltip(name)
        self._released(name, changed, float(f"{float(v):.6g}"))


def _network(form: _Form, who: str, title: str, color: int) -> None:
    imgui.push_style_color(imgui.Col_.text, color)
    imgui.separator_text(title)
    imgui.pop_style_color()
    form.int_slider("hidden layers", f"{who}_hidden_layers")
    form.int_slider("neurons", f"{who}_neurons")
    form.choice("optimizer", f"{who}_optimizer")
    form.learning_rate("learning rate", f"{who}_lr")


def draw_hyper(ui: UiState, cfg: GanConfig) -> list[Command]:
    """The hyperparameter form, drawn into the current window; returns SetConfig commands."""
    form = _Form(ui, cfg)
    imgui.push_style_color(imgui.Col_.text, imgui.get_style_color_vec4(imgui.Col_.text_disabled))
    imgui.text_wrapped("* resets the model; other settings apply live")
    imgui.pop_style_color()
    hook(ui, "hyper_note")
    imgui.separator_text("Noise")
    form.choice("distribution", "noise_dist")
    form.int_slider("dimensions", "noise_dim")
    _network(form, "g", "Generator", th.G_COLOR)
    _network(form, "d", "Discriminator", th.D_COLOR)
    imgui.separator_text("Training")
    form.choice("loss", "loss", LOSS_TITLES)
    form.int_slider("D steps / epoch", "k_d")
    form.int_slider("G steps / epoch", "k_g")
    if form.cfg.loss in ("log", "minimax"):  # the only losses it weighs
        form.float_slider("real weight", "real_weight", "%.3f")
    if form.cfg.critic:
        form.float_slider("critic clip", "clip", "%.3f")
    optimizers = (form.cfg.d_optimizer, form.cfg.g_optimizer)
    if "rmsprop" in optimizers:
        form.float_slider("RMSprop rho", "rmsprop_rho", "%.3f")
        form.typed_float("RMSprop epsilon", "rmsprop_eps", "%.3g")
    if "momentum" in optimizers:
        form.float_slider("momentum", "momentum", "%.3f")
    if "adam" in optimizers:
        form.float_slider("Adam beta1", "adam_beta1", "%.3f")
        form.float_slider("Adam beta2", "adam_beta2", "%.4f")
        form.typed_float("Adam epsilon", "adam_eps", "%.3g")
    imgui.separator_text("Data")
    form.typed_int("batch size", "batch_size")
    form.typed_int("seed", "seed")
    changed, on = imgui.checkbox(_label("fixed atlas", "use_atlas"), cfg.use_atlas)
    hook(ui, "use_atlas")
    _tooltip("use_atlas")
    if changed:
        form.commit("use_atlas", bool(on))
    if form.cfg.use_atlas:
        form.typed_int("atlas size", "atlas_size")
    if ui.config_error:
        imgui.push_style_color(imgui.Col_.text, th.ERROR_BG)
        imgui.text_wrapped(ui.config_error)
        imgui.pop_style_color()
    return form.out[-1:]  # one frame edits at most one widget; keep only the final config
