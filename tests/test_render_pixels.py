"""Pixel checks of the layered view from known FrameData: colours, layer toggles, kites,
manifold opacity, the fake-sample transition, fixed-capacity uploads, goldens, snapshots."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from render_fixtures import golden_frame, identity_manifold, make_frame

from glgan.frame import ViewCapacity
from glgan.palette import ramp_rgb as prgn
from glgan.palette import view_style
from glgan.render import Layers, OffscreenRenderer, View, parse_layers, render_frame, save_png
from glgan.render.bench import bench_render
from glgan.render.layered_view import LayeredView

LIGHT = view_style()  # GAN Lab's colours
BACKGROUND, REAL_COLOR, FAKE_COLOR = LIGHT.background, LIGHT.real, LIGHT.fake
GRADIENT_COLOR, MANIFOLD_COLOR = LIGHT.gradient, LIGHT.manifold

pytestmark = pytest.mark.gl
GOLDENS = Path(__file__).parent / "goldens"
DIFFS = Path(__file__).parent / "_diffs"
SIZE = (128, 128)
BG = np.round(np.array(BACKGROUND[:3]) * 255)


def over(color, alpha=None, under=BG):
    """Straight-alpha `color` blended over an opaque `under`, in 0..255."""
    a = color[3] if alpha is None else alpha
    return np.asarray(color[:3]) * 255 * a + np.asarray(under, float) * (1 - a)


def px_of(x, y, size=SIZE):
    """Row, column of the pixel holding data point (x, y) in the unit view."""
    w, h = size
    return int((1 - y) * h), int(x * w)


@pytest.fixture
def renderer(gl_ctx):
    r = OffscreenRenderer(ctx=gl_ctx)
    yield r
    r.close()
    assert gl_ctx.error == "GL_NO_ERROR"


def close(a, b, tol=3):
    return np.all(np.abs(np.asarray(a, float) - np.asarray(b, float)) <= tol)


# ---- colours ----
def test_heatmap_colours(renderer):
    field = np.array([[1.0, 0.5, 0.0]] * 3, np.float32)
    img = renderer.render(make_frame(field=field), SIZE, Layers.none(heatmap=True))
    for x, d in ((1 / 6, 1.0), (0.5, 0.5), (5 / 6, 0.0)):
        assert close(img[px_of(x, 0.5)], prgn(d)), (x, img[px_of(x, 0.5)], prgn(d))
    g, m, p = img[px_of(1 / 6, 0.5)], img[px_of(0.5, 0.5)], img[px_of(5 / 6, 0.5)]
    assert g[1] > g[0] + 40 and g[1] > g[2]                 # D = 1: green ("real")
    assert p[2] > p[1] + 40 and p[0] > p[1]                 # D = 0: purple ("fake")
    assert m.min() > 230                                    # D = 0.5: near-white


def test_heatmap_smooth_vs_blocky(renderer):
    field = np.array([[0.0, 1.0]] * 2, np.float32)
    smooth = renderer.render(make_frame(field=field), SIZE, Layers.none(heatmap=True))
    blocky = renderer.render(None, SIZE, Layers.none(heatmap=True, blocky=True))
    row = SIZE[1] // 2
    assert len({tuple(c) for c in blocky[row]}) == 2         # two flat blocks
    assert len({tuple(c) for c in smooth[row]}) > 30         # a gradient between them
    assert close(smooth[row, 64], prgn(0.5), tol=4)


def test_background_outside_field(renderer):
    frame = make_frame(field=1.0, field_bounds=(0.25, 0.25, 0.75, 0.75))
    img = renderer.render(frame, SIZE, Layers.none(heatmap=True))
    assert close(img[px_of(0.1, 0.1)], BG, 0) and close(img[px_of(0.5, 0.5)], prgn(1.0))


def test_real_and_fake_sample_colours(renderer):
    x, y = (40.5 / 128, 1 - 30.5 / 128), (90.5 / 128, 1 - 100.5 / 128)
    frame = make_frame(real=[x], fake=[y])
    img = renderer.render(frame, SIZE, Layers.none(real=True, fake=True, point_size=4))
    assert close(img[30, 40], over(REAL_COLOR), 2)
    assert close(img[100, 90], over(FAKE_COLOR), 2)
    assert close(img[30, 50], BG, 0) and close(img[100, 80], BG, 0)
    # anti-aliased rim: partial coverage between the disc and the background
    rim = img[30, 40 + 4]
    assert not close(rim, BG, 2) and not close(rim, over(REAL_COLOR), 2)


# ---- palettes and themes (glgan.palette) ----
def _disc_pixels(img, centre_rc, bg, reach=14):
    r, c = centre_rc
    patch = img[r - reach:r + reach + 1, c - reach:c + reach + 1].astype(float)
    return int((np.abs(patch - np.asarray(bg, float)).max(axis=2) > 12).sum())


def test_each_style_colours_the_view(renderer):
    x = (64.5 / 128, 1 - 64.5 / 128)
    frame = make_frame(real=[x], field=np.full((3, 3), 0.7, np.float32))
    seen = {}
    for palette in ("ganlab", "colorblind"):
        for theme in ("light", "dark", "high-contrast"):
            st = view_style(palette, theme)
            img = renderer.render(frame, SIZE, Layers.none(real=True, palette=palette,
                                                           theme=theme))
            bg = np.round(np.array(st.background[:3]) * 255)
            assert close(img[5, 5], bg, 0), (palette, theme)
            assert close(img[64, 64], over(st.real, under=bg), 2), (palette, theme)
            seen[palette, theme] = (tuple(img[64, 64]), _disc_pixels(img, (64, 64), bg))
            heat = renderer.render(frame, SIZE, Layers.none(heatmap=True, palette=palette,
                                                            theme=theme))
            seen[palette, theme, "heat"] = heat[64, 64].astype(float)
    # the colour-blind palette's real dot is another colour than GAN Lab's green
    assert not close(seen["ganlab", "light"][0], seen["colorblind", "light"][0], 40)
    # high contrast: larger dots; dark: a dark plot
    assert seen["ganlab", "high-contrast"][1] > 2 * seen["ganlab", "light"][1]
    assert np.mean(view_style("ganlab", "dark").background[:3]) < 0.25
    # the stronger ramp: D = 0.7 is further from the near-white centre than GAN Lab's
    light, strong = seen["ganlab", "light", "heat"], seen["ganlab", "high-contrast", "heat"]
    assert strong.sum() < light.sum() - 60
    # dark theme: D = 0.5 is dark, not near-white
    mid = renderer.render(make_frame(field=0.5), SIZE,
                          Layers.none(heatmap=True, theme="dark"))[64, 64]
    assert mid.max() < 60


def _thickness(column: np.ndarray, bg, color) -> float:
    """The width in pixels of a line of ``color`` across ``column``: its coverage summed
    (each pixel's difference from the background over a fully covered pixel's)."""
    bg = np.asarray(bg, float)
    diff = np.abs(column.astype(float) - bg).sum(axis=1)
    return float(diff.sum() / np.abs(over(color, under=bg) - bg).sum())


def test_high_contrast_thickens_kites_and_grid(renderer):
    # a horizontal grid line at y = 0.5 and a kite pointing right from (0.3, 0.25)
    frame = make_frame(fake=[(0.3, 0.25)], grad_d=[(1.0, 0.0)],
                       manifold=identity_manifold(2), manifold_alpha=np.zeros((2, 2)))
    width = {}
    for theme in ("light", "high-contrast"):
        st = view_style(theme=theme)
        bg = np.round(np.array(st.background[:3]) * 255)
        img = renderer.render(frame, SIZE, Layers.none(gradients=True, manifold=True,
                                                       theme=theme, point_size=2))
        grid = _thickness(img[40:90, px_of(0.75, 0.5)[1]], bg, st.grid)
        kite = _thickness(img[80:112, px_of(0.36, 0.25)[1]], bg, st.gradient)
        width[theme] = (grid, kite)
    assert width["high-contrast"][0] >= 1.6 * width["light"][0] > 0, width
    assert width["high-contrast"][1] >= 1.6 * width["light"][1] > 0, width


def test_bad_palette_or_theme_names_the_choices():
    with pytest.raises(ValueError, match="palette"):
        Layers(palette="rainbow")
    with pytest.raises(ValueError, match="high-contrast"):
        Layers(theme="neon")
    with pytest.raises(ValueError, match="colorblind"):
        view_style("rainbow")


def test_manifold_cell_opacity_and_layout(renderer):
    alpha = np.array([[0.2, 0.8], [0.5, 0.1]], np.float32)   # alpha[i, j]: x-cell i, y-cell j
    frame = make_frame(manifold=identity_manifold(2), manifold_alpha=alpha)
    img = renderer.render(frame, SIZE, Layers.none(manifold=True))
    for i in range(2):
        for j in range(2):
            got = img[px_of((i + 0.5) / 2, (j + 0.5) / 2)]
            assert close(got, over(MANIFOLD_COLOR, alpha[i, j]), 2), (i, j, got)


def test_manifold_1d_polyline(renderer):
    line = np.array([[0.1, 0.5], [0.5, 0.5], [0.9, 0.5]], np.float32)
    frame = make_frame(manifold=line)
    img = renderer.render(frame, SIZE, Layers.none(manifold=True))
    r = px_of(0.3, 0.5)[0]
    assert not close(img[r - 1:r + 1, px_of(0.3, 0.5)[1]].min(axis=0), BG, 10)
    assert close(img[px_of(0.3, 0.8)], BG, 0) and close(img[px_of(0.95, 0.5)], BG, 0)


# ---- gradient kites ----
def _kite_ink(img, x, y, band=2):
    """How far from the background the pixels around data point (x, y) are (max over rows)."""
    r, c = px_of(x, y)
    patch = img[max(r - band, 0):r + band + 1, max(c - band, 0):c + band + 1].astype(float)
    return np.abs(patch - BG).sum(axis=2).max()


@pytest.mark.parametrize("grad,inside,outside", [
    ((1.0, 0.0), (0.6, 0.5), (0.4, 0.5)),     # points right
    ((0.0, 1.0), (0.5, 0.6), (0.5, 0.4)),     # points up (data y up = screen up)
    ((-1.0, -1.0), (0.43, 0.43), (0.57, 0.57)),
])
def test_kite_points_along_gradient(renderer, grad, inside, outside):
    frame = make_frame(fake=[(0.5, 0.5)], grad_d=[grad])
    img = renderer.render(frame, SIZE, Layers.none(gradients=True, point_size=4))
    assert _kite_ink(img, *inside) > 30
    assert _kite_ink(img, *outside) == 0
    r, c = px_of(*inside)
    pink = img[r - 2:r + 3, c - 2:c + 3].reshape(-1, 3)
    pink = pink[np.abs(pink - BG).sum(1).argmax()].astype(float)
    assert pink[1] < pink[0] and pink[1] < pink[2]          # magenta: green channel lowest
    assert close(img[px_of(0.5 + 0.2 * grad[0], 0.5 + 0.2 * grad[1])], BG, 0)  # ends at 0.15


def test_kite_grad_source_and_normalize(renderer):
    frame = make_frame(fake=[(0.5, 0.5)], grad_d=[(1.0, 0.0)], grad_g=[(0.0, -10.0)])
    lay = Layers.none(gradients=True, point_size=4, gradient_source="g",
                      gradient_normalize=True, gradient_unit_length=0.1)
    img = renderer.render(frame, SIZE, lay)
    assert _kite_ink(img, 0.5, 0.43) > 30                    # down, from grad_g
    assert _kite_ink(img, 0.6, 0.5) == 0                     # not grad_d
    assert close(img[px_of(0.5, 0.35)], BG, 0)               # normalised to 0.1 long
    tip = over(GRADIENT_COLOR)
    assert np.abs(img.astype(float) - tip).sum(2).min() < 60


def test_g_gradient_kites_stay_readable_however_large(renderer):
    """-dL_G/dx grows without bound where D(x) nears 0: its kites bend softly to at most
    Layers.gradient_cap (0.12) instead of crossing the plot; small ones keep their length;
    GAN Lab's dD/dx kites are never capped."""
    frame = make_frame(fake=[(0.3, 0.5)], grad_d=[(100.0, 0.0)], grad_g=[(100.0, 0.0)])
    g = renderer.render(frame, SIZE, Layers.none(gradients=True, point_size=4,
                                                 gradient_source="g"))
    assert _kite_ink(g, 0.38, 0.5) > 30                      # it is drawn, pointing right
    assert _kite_ink(g, 0.3 + 0.14, 0.5) == 0                # and ends by 0.3 + 0.12
    d = renderer.render(frame, SIZE, Layers.none(gradients=True, point_size=4))
    assert _kite_ink(d, 0.9, 0.5) > 0                        # dD/dx: linear, as GAN Lab
    small = make_frame(fake=[(0.3, 0.5)], grad_g=[(0.2, 0.0)])  # 0.15 * 0.2 = 0.03 long
    img = renderer.render(small, SIZE, Layers.none(gradients=True, point_size=4,
                                                   gradient_source="g"))
    assert _kite_ink(img, 0.3 + 0.02, 0.5, band=0) > 0
    with pytest.raises(ValueError, match="gradient_cap"):
        Layers(gradient_cap=-1)


# ---- layer toggles ----
def _disc_mask(points, radius_px, size, view):
    h, w = size[1], size[0]
    yy, xx = np.mgrid[0:h, 0:w] + 0.5
    mask = np.zeros((h, w), bool)
    for px, py in view.data_to_px(np.asarray(points).reshape(-1, 2), size):
        mask |= (xx - px) ** 2 + (yy - py) ** 2 <= radius_px ** 2
    return mask


def _segment_mask(a, b, pad_px, size, view):
    h, w = size[1], size[0]
    yy, xx = np.mgrid[0:h, 0:w] + 0.5
    q = np.stack([xx, yy], -1)
    mask = np.zeros((h, w), bool)
    pa, pb = view.data_to_px(np.asarray(a), size), view.data_to_px(np.asarray(b), size)
    for s, e in zip(pa, pb):
        d = e - s
        t = np.clip(((q - s) @ d) / max(d @ d, 1e-9), 0, 1)
        mask |= np.linalg.norm(q - (s + t[..., None] * d), axis=-1) <= pad_px
    return mask


def _rect_mask(bounds, pad_px, size, view):
    (x0, y1), (x1, y0) = view.data_to_px(np.array([bounds[:2], bounds[2:]]), size)
    h, w = size[1], size[0]
    yy, xx = np.mgrid[0:h, 0:w] + 0.5
    return ((xx >= x0 - pad_px) & (xx <= x1 + pad_px) & (yy >= y0 - pad_px)
            & (yy <= y1 + pad_px))


@pytest.mark.parametrize("layer", ["heatmap", "contour", "real", "fake", "gradients",
                                   "manifold"])
def test_layer_toggle_removes_only_its_pixels(renderer, layer):
    frame = golden_frame()
    frame.field_bounds = (0.05, 0.05, 0.95, 0.95)
    size, view = (160, 128), View.fit(-0.1, 1.2)
    on = Layers.all()
    off = on.with_layers(**{layer: False})
    a = renderer.render(frame, size, on, view).astype(int)
    b = renderer.render(frame, size, off, view).astype(int)
    diff = np.abs(a - b).sum(axis=2) > 0
    assert diff.any(), f"toggling {layer} changed nothing"
    r = on.radius_px(size)
    if layer in ("heatmap", "contour"):
        allowed = _rect_mask(frame.field_bounds, 0.5, size, view)
    elif layer == "real":
        allowed = _disc_mask(frame.real, r + 1, size, view)
    elif layer == "fake":
        allowed = _disc_mask(frame.fake, r + 1, size, view)
    elif layer == "gradients":
        allowed = _segment_mask(frame.fake, frame.fake + 0.15 * frame.grad_d, 0.4 * r + 2,
                                size, view)
    else:
        m = frame.manifold.reshape(-1, 2)
        allowed = _rect_mask((*m.min(0), *m.max(0)), 2, size, view)
    stray = diff & ~allowed
    assert not stray.any(), f"{layer}: {stray.sum()} changed pixels outside its area"
    if layer == "contour":
        assert diff.mean() < 0.1


def test_fake_outside_unit_square_visible_with_fit(renderer):
    frame = make_frame(fake=[(1.5, -0.5)])
    lay = Layers.none(fake=True, point_size=3)
    assert close(renderer.render(frame, SIZE, lay, View()), BG, 0)
    img = renderer.render(frame, SIZE, lay, View.fit(-1, 2))
    c, r = View.fit(-1, 2).data_to_px([1.5, -0.5], SIZE).astype(int)
    assert close(img[r, c], over(FAKE_COLOR), 3)


# ---- smooth motion ----
def _centroid(img):
    ink = np.abs(img.astype(float) - BG).sum(axis=2)
    yy, xx = np.mgrid[0:img.shape[0], 0:img.shape[1]] + 0.5
    return np.array([(xx * ink).sum(), (yy * ink).sum()]) / ink.sum()


def test_fake_samples_glide_on_gpu(gl_ctx):
    r = OffscreenRenderer(ctx=gl_ctx, transition_s=1.0)
    lay = Layers.none(fake=True, point_size=3)
    a, b, c = (0.25, 0.5), (0.75, 0.5), (0.75, 0.9)
    r.render(make_frame(fake=[a]), SIZE, lay, time_s=10.0)
    bufs = {k: s.buffer.glo for k, s in r.view._streams.items()}
    r.view.update(make_frame(fake=[b]))
    start = _centroid(r.render(None, SIZE, lay, time_s=20.0))      # clock starts: still at a
    mid = _centroid(r.render(None, SIZE, lay, time_s=20.5))
    np.testing.assert_allclose(start, View().data_to_px(a, SIZE), atol=0.5)
    np.testing.assert_allclose(mid, View().data_to_px((0.5, 0.5), SIZE), atol=0.5)
    r.view.update(make_frame(fake=[c]))                               # re-target mid-flight
    again = _centroid(r.render(None, SIZE, lay, time_s=30.0))
    np.testing.assert_allclose(again, mid, atol=0.5)                  # no jump, no flicker
    assert r.view.animating(30.5) and not r.view.animating(31.0)
    end = _centroid(r.render(None, SIZE, lay, time_s=31.0))
    np.testing.assert_allclose(end, View().data_to_px(c, SIZE), atol=0.5)
    assert {k: s.buffer.glo for k, s in r.view._streams.items()} == bufs  # updated in place
    r.close()


def test_samples_keep_moving_when_updated_every_frame(gl_ctx):
    """Training updates the view each frame: the samples must follow continuously (ease-out
    from where they are), not restart from rest each frame and freeze."""
    r = OffscreenRenderer(ctx=gl_ctx, transition_s=0.25)
    lay = Layers.none(fake=True, point_size=3)
    r.render(make_frame(fake=[(0.2, 0.5)]), SIZE, lay, time_s=0.0)
    xs = []
    for i in range(1, 31):  # the target walks right while frames arrive at 60 Hz
        t = i / 60
        target = (min(0.2 + 0.02 * i, 0.8), 0.5)
        r.view.update(make_frame(fake=[target]), t)
        xs.append(_centroid(r.render(None, SIZE, lay, time_s=t))[0])
    assert all(b >= a - 1e-6 for a, b in zip(xs, xs[1:]))  # monotone, no jumps back
    end = View().data_to_px((0.8, 0.5), SIZE)[0]
    start = View().data_to_px((0.2, 0.5), SIZE)[0]
    assert xs[-1] > start + 0.6 * (end - start)  # kept up with the moving target
    r.close()


def test_fixed_capacity_targets_are_never_reallocated(gl_ctx):
    """The view's GL objects are made once at its ViewCapacity and published (for CUDA to
    register once): frames of every size within it are written in place, a frame beyond it
    is refused naming the field and the capacity, and the view still draws after it."""
    cap = ViewCapacity(real=100, fake=50, manifold_cells=12, field_res=64)
    lv = LayeredView(gl_ctx, capacity=cap)
    targets = lv.targets()
    assert targets.capacity == cap
    assert targets.targets["field"].shape == (64, 64)
    assert targets.targets["mesh"].shape == (13 * 13, 2)
    assert targets.targets["fake"].shape == (50, 2) and targets.targets["grad_g"].shape == (50, 2)
    assert set(targets.targets) == {"fake", "grad_d", "grad_g", "mesh", "field", "manifold_alpha"}
    rng = np.random.default_rng(0)
    fbo = gl_ctx.simple_framebuffer((64, 64))
    fbo.use()
    for n_field, n_fake, cells in ((64, 50, 12), (7, 3, 2), (1, 1, 1), (30, 20, 5)):
        mesh = rng.random((cells + 1, cells + 1, 2))
        lv.update(make_frame(field=rng.random((n_field, n_field)), fake=rng.random((n_fake, 2)),
                             manifold=mesh, manifold_alpha=rng.random((cells, cells))), 0.1)
        lv.draw((64, 64), layers=Layers.all(), time_s=0.2)
        assert lv.targets() == targets
    for bad, what in ((dict(fake=rng.random((51, 2))), "fake has 51 rows.*at most 50"),
                      (dict(field=np.zeros((65, 65))), "field is 65 x 65.*64 x 64")):
        with pytest.raises(ValueError, match=what):
            lv.update(make_frame(**bad))
    lv.update(golden_frame())
    lv.draw((64, 64), layers=Layers.all())
    assert lv.targets() == targets and gl_ctx.error == "GL_NO_ERROR"
    lv.release()


def test_a_smaller_field_in_a_larger_texture_draws_like_its_own_texture(gl_ctx):
    """The field fills the lower-left corner of a fixed texture; sampling stays inside that
    corner (edge texels clamp like a texture of exactly its size), smooth and blocky."""
    field = np.linspace(0, 1, 25).reshape(5, 5)
    for blocky in (False, True):
        lay = Layers.none(heatmap=True, blocky=blocky)
        images = []
        for cap in (5, 64):
            with OffscreenRenderer(ctx=gl_ctx, capacity=ViewCapacity(field_res=cap)) as r:
                images.append(r.render(make_frame(field=field), SIZE, lay).astype(int))
        assert np.abs(images[0] - images[1]).max() <= 1


def test_noise_view(renderer):
    img = renderer.render_noise(make_frame(fake=[(0.5, 0.5)], noise=[(0.2, 0.8)]), SIZE)
    c, r = View((-0.05, -0.05, 1.05, 1.05)).data_to_px([0.2, 0.8], SIZE).astype(int)
    assert img[r, c].max() < 120 and close(img[5, 120], BG, 0)
    one_d = renderer.render_noise(make_frame(fake=[(0.5, 0.5)], noise=[(0.3,)],
                                             manifold=np.zeros((3, 2))), SIZE)
    assert not close(one_d[64, 100], BG, 5) or not close(one_d[63, 100], BG, 5)  # mid-line


def test_viewport_offset_and_dpi(renderer, gl_ctx):
    """GL rows are bottom-up here (raw fbo.read), the renderer's arrays top-down."""
    frame = make_frame(real=[(0.5, 0.5)])
    lay = Layers.none(real=True)
    big = renderer.render(frame, (256, 256), Layers.none(real=True, dpi_scale=2))
    small = renderer.render(frame, (128, 128), lay)
    ink = np.abs(big.astype(float) - BG).sum()      # disc area scales with dpi^2
    assert ink == pytest.approx(4 * np.abs(small.astype(float) - BG).sum(), rel=0.15)
    # draw into a sub-viewport of a bigger framebuffer: only that part changes
    fbo = gl_ctx.simple_framebuffer((200, 100))
    fbo.use()
    fbo.clear(0, 0, 0, 1)
    renderer.view.draw((120, 10, 64, 64), View(), lay)
    px = np.frombuffer(fbo.read(), np.uint8).reshape(100, 200, 3)
    assert (px[:10] == 0).all() and (px[:, :120] == 0).all() and (px[75:] == 0).all()
    assert close(px[10 + 32, 120 + 32], over(REAL_COLOR), 3)


# ---- golden images ----
# "all" of the layers these images were made with (the flow layer has its own pixel test,
# tests/test_optimal.py; the optimal layer draws nothing without a D* grid)
ALL_BUT_FLOW = "heatmap,contour,optimal,real,gradients,fake,manifold"
GOLDEN_CASES = {
    "layered_all": (lambda: golden_frame(2), ALL_BUT_FLOW, View.fit(-0.05, 1.15)),
    "layered_default": (lambda: golden_frame(2), "heatmap,real,fake,gradients", View()),
    "layered_1d_blocky": (lambda: golden_frame(1), ALL_BUT_FLOW, View()),
}


@pytest.mark.parametrize("case", sorted(GOLDEN_CASES))
def test_golden(renderer, gl_ctx, update_goldens, case):
    make, spec, view = GOLDEN_CASES[case]
    lay = parse_layers(spec, blocky=case.endswith("blocky"))
    img = renderer.render(make(), SIZE, lay, view)
    path = GOLDENS / f"{case}.png"
    if update_goldens:
        save_png(img, path)
        pytest.skip(f"wrote {path}")
    if "llvmpipe" not in gl_ctx.info["GL_RENDERER"]:
        pytest.skip("goldens were made with Mesa llvmpipe")
    assert path.exists(), f"missing {path}; run pytest --update-goldens (GLGAN_UPDATE_GOLDENS=1)"
    ref = np.asarray(Image.open(path).convert("RGB"))
    diff = np.abs(img.astype(int) - ref.astype(int))
    bad = (diff.max(axis=2) > 24).mean()
    if diff.mean() > 0.5 or bad > 0.002:
        save_png(img, DIFFS / f"{case}.actual.png")
        save_png(np.minimum(diff * 8, 255).astype(np.uint8), DIFFS / f"{case}.diff.png")
        pytest.fail(f"{case}: mean |diff| {diff.mean():.3f}, {bad:.2%} pixels off "
                    f"(see {DIFFS})")


# ---- one-shot snapshots, PNG, bench ----
def test_render_frame_own_context_and_save_png(tmp_path):
    img = render_frame(golden_frame(), size=(96, 64))
    assert img.shape == (64, 96, 3) and img.dtype == np.uint8 and img.std() > 5
    out = save_png(img, tmp_path / "sub" / "snap.png")
    assert np.array_equal(np.asarray(Image.open(out)), img)
    assert sorted(p.name for p in out.parent.iterdir()) == ["snap.png"]   # no temp left
    with pytest.raises(ValueError):
        save_png(img.astype(np.float32), tmp_path / "x.png")


def test_msaa_renderer(tmp_path):
    with OffscreenRenderer(samples=4) as r:
        img = r.render(golden_frame(), SIZE, Layers.all())
    assert img.shape == (128, 128, 3) and img.std() > 5


def test_bench_render_lines():
    lines = bench_render(sizes=((64, 48),), frames=2, warmup=1, field_res=32)
    assert lines == [{"backend": "gl", "case": "render_64x48", "metric": "frames_per_s",
                      "value": lines[0]["value"], "unit": "frames/s"}]
    assert lines[0]["value"] > 0



def test_every_grid_line_of_the_manifold_is_drawn(gl_ctx):
    """All 2 (n + 1) lines of an n x n mesh, including the last of each direction (the grid
    reads the mesh buffer with offsets and skips only the pairs that join one row's end to the
    next row's start; an earlier version also dropped the last line of the other direction)."""
    n = 4
    frame = make_frame(manifold=identity_manifold(n, 0.1, 0.9),
                       manifold_alpha=np.zeros((n, n), np.float32))
    with OffscreenRenderer(ctx=gl_ctx) as r:
        img = r.render(frame, SIZE, Layers.none(manifold=True)).astype(int)
    view = View()
    ink = np.abs(img - np.array(BG)).sum(axis=2) > 12  # a faint 1 px line over two pixels
    for k in range(n + 1):
        v = 0.1 + 0.8 * k / n
        col, _ = view.data_to_px((v, 0.5), SIZE).astype(int)
        _, row = view.data_to_px((0.5, v), SIZE).astype(int)
        assert ink[SIZE[1] // 4: 3 * SIZE[1] // 4, col - 1:col + 2].any(axis=1).mean() > 0.9, k
        assert ink[row - 1:row + 2, SIZE[0] // 4: 3 * SIZE[0] // 4].any(axis=0).mean() > 0.9, k


def test_zoomed_out_the_unit_square_is_outlined(gl_ctx):
    """GAN Lab's [0,1]^2 is outlined once the view shows more than it (samples can leave it);
    at GAN Lab's own view nothing is added."""
    frame = make_frame()
    with OffscreenRenderer(ctx=gl_ctx) as r:
        out = r.render(frame, SIZE, Layers.none(), View.fit(-0.5, 1.5)).astype(int)
        unit = r.render(frame, SIZE, Layers.none(), View()).astype(int)
    view = View.fit(-0.5, 1.5)
    (c0, r0), (c1, r1) = (view.data_to_px(p, SIZE).astype(int) for p in ((0, 0), (1, 1)))
    edge = out[min(r0, r1) + 4:max(r0, r1) - 4, c0 - 1:c0 + 2]  # the left side x = 0
    assert (np.abs(edge - np.array(BG)).sum(axis=2) > 20).any(axis=1).mean() > 0.9
    assert np.abs(unit - np.array(BG)).sum(axis=2).max() <= 3  # nothing at the unit view
