"""Thumbnails: the model graph's small pictures, drawn by the layered view into textures.

Owns one colour texture and framebuffer per thumbnail (noise, generator manifold, real and
fake samples, the discriminator's heatmap, the generator's gradients), resized only when the
requested size changes. The overlay shows the textures as images, so a frame costs a few tiny
GL draws instead of tens of thousands of ImGui vertices (which a software rasteriser pays
for). Each picture shows GAN Lab's unit square, like GAN Lab's graph nodes.
"""

from __future__ import annotations

from dataclasses import replace

import moderngl

from glgan.layers import Layers
from glgan.render.layered_view import LayeredView, SlotView
from glgan.render.view import View

# what each thumbnail shows (GAN Lab §6 graph): layers of the view drawn in a unit square
THUMBNAIL_LAYERS: dict[str, Layers] = {
    "generator": Layers.none(manifold=True),
    "real": Layers.none(real=True),
    "fake": Layers.none(fake=True),
    "discriminator": Layers.none(heatmap=True, blocky=True),
    "g_gradients": Layers.none(fake=True, gradients=True, gradient_source="g",
                               gradient_normalize=True, gradient_unit_length=0.08),
}
NAMES = ("noise", *THUMBNAIL_LAYERS)
MAX_SIZE = 1024


class Thumbnails:
    """Renders the graph's thumbnails with ``scene`` (a LayeredView, or the App's slot of the
    focused run, holding the current FrameData) into textures of the requested pixel sizes."""

    def __init__(self, ctx: moderngl.Context, scene: LayeredView | SlotView) -> None:
        self.ctx, self.scene = ctx, scene
        self._targets: dict[str, tuple[moderngl.Texture, moderngl.Framebuffer]] = {}

    def render(self, sizes: dict[str, int], style: Layers | None = None,
               time_s: float | None = None) -> dict[str, moderngl.Texture]:
        """Draw every thumbnail named in ``sizes`` (name -> side in pixels) with ``style``'s
        pixel density, palette and theme (not its layer switches); returns the textures
        (row 0 at the bottom, as GL stores them). Unknown names are ignored. Leaves a
        thumbnail framebuffer bound: bind yours again before drawing on."""
        style = style if style is not None else Layers()
        dpi_scale = style.dpi_scale
        look = dict(dpi_scale=dpi_scale, palette=style.palette, theme=style.theme)
        out = {}
        for name, size in sizes.items():
            if name not in NAMES:
                continue
            side = max(8, min(int(round(size)), MAX_SIZE))
            tex, fbo = self._target(name, side)
            fbo.use()
            if name == "noise":
                self.scene.draw_noise((side, side), Layers(**look))
            else:
                layers = replace(THUMBNAIL_LAYERS[name], **look,
                                 point_size=max(0.7, side / (70.0 * dpi_scale)))
                self.scene.draw((side, side), self._view(name), layers, time_s)
            out[name] = tex
        return out

    def _view(self, name: str) -> View:
        """The unit square, except for D's heatmap: the field only covers the area the main
        view shows (zoomed or panned), so its thumbnail shows that area."""
        if name == "discriminator" and self.scene.frame is not None:
            return View(tuple(self.scene.frame.field_bounds))
        return View()

    def _target(self, name: str, side: int) -> tuple[moderngl.Texture, moderngl.Framebuffer]:
        target = self._targets.get(name)
        if target is not None and target[0].size == (side, side):
            return target
        tex = self.ctx.texture((side, side), 4)
        tex.filter = (moderngl.LINEAR, moderngl.LINEAR)
        fbo = self.ctx.framebuffer(color_attachments=[tex])
        fbo.use()  # bind the new one before the old one (maybe bound) is released
        if target is not None:
            target[1].release()
            target[0].release()
        self._targets[name] = (tex, fbo)
        return tex, fbo

    def release(self) -> None:
        for tex, fbo in self._targets.values():
            fbo.release()
            tex.release()
        self._targets.clear()
