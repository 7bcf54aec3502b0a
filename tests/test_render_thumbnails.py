"""Graph thumbnails drawn by the layered view into textures (what the overlay shows)."""

import numpy as np
from render_fixtures import golden_frame

from glgan.layers import Layers
from glgan.render import LayeredView
from glgan.render.thumbnails import NAMES, Thumbnails


def texture_pixels(tex):
    w, h = tex.size
    return np.frombuffer(tex.read(), np.uint8).reshape(h, w, 4)[::-1, :, :3].astype(int)


def test_each_thumbnail_is_drawn_at_its_size_and_resized_in_place(gl_ctx):
    # moderngl rebinds the current framebuffer after creating one: make it a live one
    # (an earlier test may have released the one it left bound)
    host = gl_ctx.simple_framebuffer((8, 8))
    host.use()
    _ = gl_ctx.error
    view = LayeredView(gl_ctx)
    view.update(golden_frame())
    thumbs = Thumbnails(gl_ctx, view)
    textures = thumbs.render({name: 64 for name in NAMES} | {"unknown": 10})
    assert set(textures) == set(NAMES)
    for name, tex in textures.items():
        img = texture_pixels(tex)
        assert tex.size == (64, 64)
        assert len(np.unique(img.reshape(-1, 3), axis=0)) > 3, name  # not a flat background
    real = texture_pixels(textures["real"]).reshape(-1, 3)
    assert (np.abs(real - [0, 136, 55]).sum(1) < 120).any()  # GAN Lab's real green
    heat = texture_pixels(textures["discriminator"]).reshape(-1, 3)
    assert heat.std(0).max() > 5  # a coloured field, not the plain background
    same = thumbs.render({"real": 64})["real"]
    assert same is textures["real"]  # same size: the texture is reused
    bigger = thumbs.render({"real": 96})["real"]
    assert bigger.size == (96, 96)
    # the window's palette reaches the thumbnails: no GAN Lab green in the colour-blind one
    cb = texture_pixels(thumbs.render({"real": 96}, Layers(palette="colorblind"))["real"])
    assert not (np.abs(cb.reshape(-1, 3) - [0, 136, 55]).sum(1) < 120).any()
    assert (np.abs(cb.reshape(-1, 3) - [128, 90, 200]).sum(1) < 120).any()
    assert gl_ctx.error == "GL_NO_ERROR"
    thumbs.release()
    view.release()
    host.release()
