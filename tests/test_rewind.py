"""Rewind and branch in the window (issue 14): scrubbing back shows exactly what was drawn live
at that epoch (pixel-equal, kept or replayed), the keys step through the kept epochs, a change
made in the past branches, and the old future can be returned to."""

from __future__ import annotations

import numpy as np
import pytest

from glgan.config import preset
from glgan.ui import commands as cmd

pytestmark = pytest.mark.gl
SIZE = (640, 400)


@pytest.fixture
def app(gl_ctx, tmp_path):
    from glgan.app import App

    a = App(gl_ctx, SIZE, preset("ring"), pretrained=False, out_dir=tmp_path,
            transition_s=0.0)
    a.fbo = gl_ctx.simple_framebuffer(SIZE, components=4)
    a.ui.overlay_visible = False
    a.ui.epochs_per_frame = 7
    a.fix_field_res(64)  # the same resolution for every frame, live or replayed
    yield a
    a.close()
    a.fbo.release()


def _frame(app):
    app.render(app.fbo, 1 / 60)
    return np.frombuffer(app.fbo.read(components=3), np.uint8).astype(int)


def test_scrubbing_back_shows_what_was_drawn_live(app):
    app.recording = None
    live = {}
    app.ui.playing = True
    for _ in range(12):  # 7 epochs a frame (the budget allows it on this model)
        img = _frame(app)
        live[app.engine.status().epoch] = img
    head = app.engine.status().epoch
    assert head >= 42 and app.timeline.head == head
    for epoch in sorted(live)[2:8:2]:  # kept or in between: both exact
        app.apply([cmd.ScrubTo(epoch)])
        assert app.scrub == epoch and not app.ui.playing
        img = _frame(app)
        assert np.array_equal(img, live[epoch]), epoch
        assert app.engine.status().epoch == head  # the live run did not move
    app.apply([cmd.ScrubTo(None)])
    assert app.scrub is None and np.array_equal(_frame(app), live[head])


def test_keys_step_through_the_kept_epochs(app):
    from glgan.ui.testing import NullUi

    app.ui.playing = True
    for _ in range(5):
        _frame(app)
    app.ui.playing = False
    kept = list(app.timeline.epochs)
    gui = NullUi(size=SIZE)
    try:
        app.apply(gui.key("LEFT"))
        assert app.scrub == kept[-2]
        app.apply(gui.key("LEFT"))
        assert app.scrub == kept[-3]
        app.apply(gui.key("RIGHT"))
        assert app.scrub == kept[-2]
        app.apply(gui.key("HOME"))
        assert app.scrub == kept[0]
        app.apply(gui.key("END"))
        assert app.scrub is None
    finally:
        gui.close()


def test_a_change_in_the_past_branches_and_the_old_future_returns(app):
    from glgan.compute.api import make_engine

    app.ui.playing = True
    for _ in range(6):
        _frame(app)
    app.ui.playing = False
    head = app.engine.status().epoch
    original = app.engine.snapshot().runs[0]
    app.apply([cmd.ScrubTo(20)])
    app.apply([cmd.SetConfig(app.config.replace(g_lr=0.2))])  # an edit at epoch 20
    assert app.scrub is None and app.engine.status().epoch == 20
    assert app.config.g_lr == 0.2 and len(app.timeline.branches) == 1
    app.ui.playing = True
    for _ in range(3):
        _frame(app)
    app.ui.playing = False
    assert not np.array_equal(app.engine.snapshot().runs[0].g_theta[:10],
                              original.g_theta[:10])
    ghosts = app._ghosts()  # the old future's chart, drawn faintly
    assert len(ghosts) == 1 and ghosts[0].epochs[-1] == head
    app.ui.overlay_visible = True
    _frame(app)  # charts with the ghost, the bar with its grey branch
    app.ui.overlay_visible = False
    app.apply([cmd.TakeBranch(0)])  # back to the first future, exactly
    back = app.engine.snapshot().runs[0]
    assert back.epoch == head and np.array_equal(back.g_theta, original.g_theta)
    assert app.config.g_lr == preset("ring").g_lr
    straight = make_engine([preset("ring")])
    straight.train(head)
    np.testing.assert_array_equal(straight.snapshot().runs[0].d_theta, back.d_theta)


def test_the_bar_drags_to_an_epoch(app):
    """Synthetic input on the timeline bar: a drag to its middle shows the middle epoch."""
    from glgan.ui.testing import NullUi

    app.ui.playing = True
    for _ in range(6):
        _frame(app)
    app.ui.playing = False
    gui = NullUi(size=SIZE)
    try:
        gui.info = {"timeline": {"kept": list(app.timeline.epochs), "head": app.timeline.head,
                                 "scrub": None, "branches": []}}
        gui.step()
        (x0, y0), (x1, y1) = gui.rect("timeline_bar")
        out = gui.drag([(x0 + 2, (y0 + y1) / 2), ((x0 + x1) / 2, (y0 + y1) / 2)])
        scrubs = [c for c in out if isinstance(c, cmd.ScrubTo)]
        assert scrubs
        app.apply(scrubs)
        mid = app.timeline.head / 2
        assert app.scrub is not None and abs(app.scrub - mid) <= app.timeline.head * 0.1
    finally:
        gui.close()


def test_a_live_edit_or_a_d_only_step_at_the_head_is_replayed_exactly(app):
    """Found by review: an edit at the live epoch (same epoch, new settings) and a D-only
    step (new weights, same epoch) must be what a later replay starts from."""
    from glgan.compute.api import make_engine

    app.ui.epochs_per_frame = 1
    app.fix_field_res(32)
    for _ in range(6):
        app.apply([cmd.Step()])
    app.apply([cmd.SetConfig(app.config.replace(d_lr=1.5, g_lr=0.5))])
    app.apply([cmd.TrainPhase("d")])
    for _ in range(6):
        app.apply([cmd.Step()])
    app.apply([cmd.ScrubTo(9)])
    ref = make_engine([preset("ring")])
    ref.train(6)
    ref.set_config(preset("ring").replace(d_lr=1.5, g_lr=0.5))
    ref.train_phase("d")
    for _ in range(3):  # the same operations as the window, in the same calls
        ref.train(1)
    got, want = app.shown_engine.snapshot().runs[0], ref.snapshot().runs[0]
    assert got.epoch == want.epoch == 9 and got.config.d_lr == 1.5
    np.testing.assert_array_equal(got.d_theta, want.d_theta)
    np.testing.assert_array_equal(got.g_theta, want.g_theta)


def test_when_copies_are_costly_training_is_kept_sparsely_and_still_replays_exactly(app):
    """A large model or grid: keeping every frame's state would cost too much, so states
    reached by training alone are kept only now and then; any epoch still replays exactly."""
    from glgan.compute.api import make_engine

    app.ui.playing = True
    _frame(app)
    app._keep_cost = 1e6  # as if a copy took ages
    for _ in range(6):
        _frame(app)
    app.ui.playing = False
    head = app.engine.status().epoch
    assert app.timeline.head < head  # the frames' states were not all copied
    app.apply([cmd.ScrubTo(head - 3)])  # forces a keep of the head, then replays
    ref = make_engine([preset("ring")])
    ref.train(head - 3)
    np.testing.assert_array_equal(app.shown_engine.snapshot().runs[0].g_theta,
                                  ref.snapshot().runs[0].g_theta)
