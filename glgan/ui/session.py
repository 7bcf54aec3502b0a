"""The Open session window (Ctrl+O): a path field and the session files the app found in the
output folder, newest first; Open emits ``OpenSession(path)``. ``info["sessions"]`` (from
app.py) lists the files."""

from __future__ import annotations

from typing import Any

from imgui_bundle import imgui

from glgan.ui.commands import Command, OpenSession
from glgan.ui.state import UiState
from glgan.ui.widgets import button, hook


def draw_open_dialog(ui: UiState, info: dict[str, Any]) -> list[Command]:
    """The window while ``ui.open_dialog`` is set; closes on Open or Cancel."""
    if not ui.open_dialog:
        return []
    out: list[Command] = []
    size = imgui.get_io().display_size
    w = min(560 * ui.scale, size.x * 0.9)
    imgui.set_next_window_pos(imgui.ImVec2((size.x - w) / 2, size.y * 0.2),
                              imgui.Cond_.appearing)
    flags = imgui.WindowFlags_.no_saved_settings | imgui.WindowFlags_.always_auto_resize
    opened, ui.open_dialog = imgui.begin("Open session", True, flags)
    if opened:
        imgui.text("A .glgan session (or an old model .json):")
        imgui.set_next_item_width(w)
        enter, ui.open_path = imgui.input_text(
            "##open_path", ui.open_path, imgui.InputTextFlags_.enter_returns_true)
        hook(ui, "open_path")
        sessions = info.get("sessions") or []
        if sessions:
            imgui.text_disabled("In the output folder, newest first:")
            for i, path in enumerate(sessions[:12]):
                picked, _ = imgui.selectable(f"{path}##session{i}", ui.open_path == path)
                hook(ui, f"session{i}")
                if picked:
                    ui.open_path = path
        if button(ui, "Open", "Continue from this session", key="open_session") or enter:
            if ui.open_path.strip():
                out.append(OpenSession(ui.open_path.strip()))
                ui.open_dialog = False
        imgui.same_line()
        if button(ui, "Cancel", key="open_cancel"):
            ui.open_dialog = False
    imgui.end()
    return out
