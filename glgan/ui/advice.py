"""Advice: plain-language warnings about the focused run's training, each with a one-click fix.

Owns the amber box over the view's top-right corner that shows what app.py's diagnosis found
(``info["warnings"]``: plain dicts with name, title, message and fix {action, changes, label},
as glgan.compute.diagnose.as_dict writes them): the title, the explanation, a button that
emits ``ApplyFix`` with the suggested change, and Dismiss (the warning stays hidden for this
run until it clears and comes back). In compare mode the cell captions carry a short mark.
"""

from __future__ import annotations

from typing import Any

from imgui_bundle import imgui

from glgan.ui import theme as th
from glgan.ui.commands import ApplyFix, Command
from glgan.ui.state import UiState
from glgan.ui.widgets import button, hook

AMBER = th.col32(255, 196, 60)
SHORT = {"dead_d": "D is flat", "saturated_d": "D saturated", "mode_collapse": "mode collapse"}


def short_names(warnings: list[dict[str, Any]]) -> str:
    """The cell caption's mark, e.g. "! D is flat, mode collapse" ("" without warnings)."""
    names = [SHORT.get(w["name"], w["name"]) for w in warnings]
    return ("! " + ", ".join(names)) if names else ""


def draw_warnings(ui: UiState, warnings: list[dict[str, Any]], run_id: Any,
                  rect) -> list[Command]:
    """The box for the warnings not dismissed; returns ApplyFix when a fix is clicked."""
    active = {w["name"] for w in warnings}
    # a dismissal lasts while its warning does (other runs' dismissals are kept)
    ui.dismissed = {k for k in ui.dismissed if k[0] != run_id or k[1] in active}
    shown = [w for w in warnings if (run_id, w["name"]) not in ui.dismissed]
    if not shown or ui.error or ui.network:  # an error's banner comes first; the network
        return []  # view (over the view) repeats its network's warnings itself
    out: list[Command] = []
    x, y, w, _ = rect
    width = min(w - 16, 430 * ui.scale)
    imgui.set_next_window_pos(imgui.ImVec2(x + w - 8, y + 8), imgui.Cond_.always,
                              imgui.ImVec2(1.0, 0.0))
    imgui.set_next_window_size(imgui.ImVec2(width, 0))
    imgui.push_style_color(imgui.Col_.window_bg, th.vec4(th.col32(255, 243, 205, 0.96)))
    imgui.push_style_color(imgui.Col_.text, imgui.ImVec4(0.15, 0.12, 0.05, 1.0))
    imgui.push_style_color(imgui.Col_.border, th.vec4(AMBER))
    flags = (imgui.WindowFlags_.no_title_bar | imgui.WindowFlags_.no_resize
             | imgui.WindowFlags_.no_move | imgui.WindowFlags_.no_saved_settings
             | imgui.WindowFlags_.always_auto_resize | imgui.WindowFlags_.no_focus_on_appearing)
    imgui.begin("##warnings", None, flags)
    for k, warning in enumerate(shown):
        if k:
            imgui.separator()
        imgui.text(f"! {warning['title']}")
        hook(ui, f"warning:{warning['name']}")
        imgui.text_wrapped(warning["message"])
        fix = warning["fix"]
        if button(ui, f"{fix['label']}##fix-{warning['name']}",
                  "The suggested fix (the timeline keeps the state before it: Left arrow)",
                  key=f"fix:{warning['name']}"):
            out.append(ApplyFix(fix["action"], tuple(sorted(fix["changes"].items()))))
        imgui.same_line()
        if button(ui, f"Dismiss##warn-{warning['name']}", "Hide this warning for this run",
                  key=f"dismiss:{warning['name']}"):
            ui.dismissed.add((run_id, warning["name"]))
    imgui.end()
    imgui.pop_style_color(3)
    return out
