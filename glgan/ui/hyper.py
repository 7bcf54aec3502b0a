"""Hyperparameters panel: one widget per GanConfig field, with GAN Lab's choices.

Emits ``SetConfig`` only when a value really changed. Widgets hand back float32-rounded
floats, so values are cast with ``float()`` (typed ones rounded to 6 significant digits) and
the config's exact value is kept when the widget did not change. Fields that reset the model
commit when the widget is released, so dragging "neurons" from 8 to 50 resets once, not 42
times. An invalid value never raises: the ConfigError text is shown in the panel instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from types import MappingProxyType
from typing import Any

from imgui_bundle import imgui

from glgan.compute.config import (
    GANLAB_LEARNING_RATES,
    LOSSES,
    NOISE_DISTS,
    OPTIMIZERS,
    ConfigError,
    GanConfig,
)
from glgan.ui import theme as th
from glgan.ui.commands import Command, SetConfig
from glgan.ui.state import UiState
from glgan.ui.widgets import hook

_META: Mapping[str, Mapping] = MappingProxyType({f.name: f.metadata for f in fields(GanConfig)})
LOSS_TITLES: Mapping[str, str] = MappingProxyType({
    "log": "Log loss (non-saturating G)", "minimax": "Minimax (saturating G)",
    "leastsq": "Least squares"})


def _tooltip(name: str) -> None:
    meta = _META[name]
    effect = "applies live" if meta.get("live") else "resets the model"
    imgui.set_item_tooltip(f"{name}: {meta.get('doc', '')}\n({effect})")


def _label(text: str, name: str) -> str:
    return f"{text}{'' if _META[name].get('live') else ' *'}##{name}"


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

    def int_slider(self, text: str, name: str, lo: int, hi: int) -> None:
        imgui.set_next_item_width(-120 * self.ui.scale)
        changed, v = imgui.slider_int(_label(text, name), int(self.shown(name)), lo, hi)
        hook(self.ui, name)
        _tooltip(name)
        if _META[name].get("live"):
            if changed:
                self.commit(name, int(v))
        else:
            self._released(name, changed, int(v))

    def float_slider(self, text: str, name: str, lo: float, hi: float, fmt: str) -> None:
        imgui.set_next_item_width(-120 * self.ui.scale)
        changed, v = imgui.slider_float(_label(text, name), float(self.shown(name)), lo, hi, fmt)
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

    def choice(self, text: str, name: str, choices: tuple, titles: Mapping | None = None) -> None:
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
    form.int_slider("hidden layers", f"{who}_hidden_layers", 1, 6)
    form.int_slider("neurons", f"{who}_neurons", 1, 100)
    form.choice("optimizer", f"{who}_optimizer", OPTIMIZERS)
    form.learning_rate("learning rate", f"{who}_lr")


def draw_hyper(ui: UiState, cfg: GanConfig) -> list[Command]:
    """The hyperparameter form, drawn into the current window; returns SetConfig commands."""
    form = _Form(ui, cfg)
    imgui.text_disabled("* resets the model; other settings apply live")
    imgui.separator_text("Noise")
    form.choice("distribution", "noise_dist", NOISE_DISTS)
    form.int_slider("dimensions", "noise_dim", 1, 2)
    _network(form, "g", "Generator", th.G_COLOR)
    _network(form, "d", "Discriminator", th.D_COLOR)
    imgui.separator_text("Training")
    form.choice("loss", "loss", LOSSES, LOSS_TITLES)
    form.int_slider("D steps / epoch", "k_d", 0, 10)
    form.int_slider("G steps / epoch", "k_g", 0, 10)
    form.float_slider("real weight", "real_weight", 0.01, 1.0, "%.3f")
    if "adam" in (form.cfg.d_optimizer, form.cfg.g_optimizer):
        form.float_slider("Adam beta1", "adam_beta1", 0.0, 0.999, "%.3f")
        form.float_slider("Adam beta2", "adam_beta2", 0.9, 0.9999, "%.4f")
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
