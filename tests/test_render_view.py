"""Pure-NumPy parts of glgan.render: View math, the PRGn ramp, Layers parsing (no GL)."""

from __future__ import annotations

import numpy as np
import pytest

from glgan.layers import LAYER_NAMES, Layers, parse_layers
from glgan.palette import PRGN as PRGN_STOPS
from glgan.palette import hex_to_rgb, ramp_lut
from glgan.palette import ramp_rgb as prgn
from glgan.render.layered_view import ease_cubic_in_out
from glgan.render.view import View


def test_view_roundtrip_and_orientation():
    v = View()
    vp = (400, 400)
    px = v.data_to_px(np.array([[0.0, 0.0], [1.0, 1.0], [0.25, 0.75]]), vp)
    np.testing.assert_allclose(px, [[0, 400], [400, 0], [100, 100]])
    np.testing.assert_allclose(v.px_to_data(px, vp), [[0, 0], [1, 1], [0.25, 0.75]])


def test_view_preserves_aspect():
    v = View()
    x0, y0, x1, y1 = v.effective_bounds((800, 400))
    assert (y0, y1) == (0.0, 1.0) and x1 - x0 == pytest.approx(2.0)
    assert (x0 + x1) / 2 == pytest.approx(0.5)
    x0, y0, x1, y1 = v.effective_bounds((300, 600))
    assert (x0, x1) == (0.0, 1.0) and y1 - y0 == pytest.approx(2.0)
    assert v.data_per_px((800, 400)) == pytest.approx(1 / 400)


def test_view_zoom_about_point_and_pan():
    v = View()
    z = v.zoomed(2.0, about=(0.25, 0.25))
    vp = (200, 200)
    np.testing.assert_allclose(z.data_to_px([0.25, 0.25], vp), v.data_to_px([0.25, 0.25], vp))
    assert z.bounds == pytest.approx((0.125, 0.125, 0.625, 0.625))
    assert v.panned(0.5, -1).bounds == (0.5, -1.0, 1.5, 0.0)
    dragged = v.panned_px(20, 10, vp)     # content follows the mouse: right 20 px, down 10 px
    np.testing.assert_allclose(dragged.data_to_px([0.5, 0.5], vp), [120, 110])
    assert View.fit().bounds == (-1.0, -1.0, 1.0, 1.0)
    f = View.fit_points(np.array([[2.0, -1.0]]), margin=0.0)
    assert f.bounds == (0.0, -1.0, 2.0, 1.0)
    with pytest.raises(ValueError):
        View((1, 0, 0, 1))
    with pytest.raises(ValueError):
        v.zoomed(0)


def test_prgn_matches_d3():
    # d3.interpolatePRGn(0) / (0.5) / (1): the ends are the end stops, the middle near-white
    assert tuple(prgn(0.0)) == hex_to_rgb(PRGN_STOPS[0])
    assert tuple(prgn(1.0)) == hex_to_rgb(PRGN_STOPS[-1])
    assert tuple(prgn(0.5)) == (239, 240, 239)
    # at a knot t = i/10 the B-spline is (v[i-1] + 4 v[i] + v[i+1]) / 6
    v = np.array([hex_to_rgb(c) for c in PRGN_STOPS], float)
    np.testing.assert_allclose(prgn(0.3), np.floor((v[2] + 4 * v[3] + v[4]) / 6 + 0.5))
    lut = ramp_lut()
    assert lut.shape == (256, 4) and lut.dtype == np.uint8 and (lut[:, 3] == 255).all()
    assert lut[0, 1] < lut[0, 0] and lut[-1, 1] > lut[-1, 0]   # purple start, green end


def test_parse_layers():
    lay = parse_layers("heatmap,manifold,real,fake,gradients")
    assert lay.enabled() == ("heatmap", "real", "gradients", "fake", "manifold")
    assert parse_layers("all").enabled() == LAYER_NAMES
    assert parse_layers("none").enabled() == ()
    assert parse_layers(" Real  FAKE ", blocky=True).blocky
    with pytest.raises(ValueError, match="unknown layer 'heatmpa'"):
        parse_layers("heatmap,heatmpa")
    with pytest.raises(ValueError, match="unknown layer option 'bogus'"):
        parse_layers("real", bogus=1)


def test_layers_defaults_and_options():
    lay = Layers()
    assert lay.enabled() == ("heatmap", "real", "gradients", "fake")   # GAN Lab: manifold off
    assert lay.radius_px((400, 400)) == pytest.approx(2.0)
    assert lay.radius_px((800, 800)) == pytest.approx(4.0)
    assert Layers(dpi_scale=2).radius_px((800, 800)) == pytest.approx(4.0)
    assert Layers(point_size=3, dpi_scale=2).radius_px((10, 10)) == 6.0
    assert lay.with_layers(manifold=True).manifold
    with pytest.raises(ValueError):
        lay.with_layers(bogus=True)
    with pytest.raises(ValueError):
        Layers(gradient_source="x")


def test_easing():
    assert ease_cubic_in_out(0) == 0 and ease_cubic_in_out(1) == 1
    assert ease_cubic_in_out(0.5) == pytest.approx(0.5)
    assert ease_cubic_in_out(-1) == 0 and ease_cubic_in_out(7) == 1
