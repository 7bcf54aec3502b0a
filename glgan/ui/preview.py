"""Preview: a synthetic FrameData and an offscreen render of the whole overlay to a PNG.

Owns stand-in data for UI tests and screenshots only (no engine involved):
``synthetic_frame`` imitates a half-trained GAN on the gaussians target and
``synthetic_dataset_samples`` draws GAN Lab's four targets. Run
``python -m glgan.ui.preview out.png [WIDTH HEIGHT]`` to render the overlay into an EGL FBO.
"""

from __future__ import annotations

import sys

import numpy as np

from glgan.frame import FrameData


def synthetic_dataset_samples(n: int = 300, seed: int = 0) -> dict[str, np.ndarray]:
    """GAN Lab's line, gaussians, ring and disjoint targets (ganlab.md §1), n samples each."""
    rng = np.random.default_rng(seed)
    r = rng.random(n)
    e = rng.standard_normal((n, 2))
    line = np.column_stack([0.8 - 0.75 * r + 0.01 * e[:, 0], 0.6 + 0.3 * r + 0.01 * e[:, 1]])
    a = r < 0.5
    gauss = np.where(a[:, None], [0.3, 0.7] + 0.1 * e, [0.7, 0.4] + [0.05, 0.2] * e)
    th = 2 * np.pi * r
    ring = np.column_stack([0.5 + 0.3 * np.cos(th), 0.45 + 0.25 * np.sin(th)]) + 0.025 * e
    centres = np.array([[0.35, 0.75], [0.75, 0.6], [0.45, 0.35]])
    idx = np.where(r < 0.333, 0, np.where(r < 0.666, 1, 2))
    disjoint = centres[idx] + 0.025 * e
    return {k: v.astype(np.float32) for k, v in
            dict(line=line, gaussians=gauss, ring=ring, disjoint=disjoint).items()}


def synthetic_frame(epoch: int = 1931, seed: int = 0, noise_dim: int = 2,
                    field_res: int = 64) -> FrameData:
    """A plausible mid-training frame: gaussians target, a warped fake cloud, a D field."""
    rng = np.random.default_rng(seed)
    real = synthetic_dataset_samples(450, seed)["gaussians"]
    z = np.clip(rng.normal(0.5, 0.25, (150, noise_dim)), 0, 1).astype(np.float32)

    def g(zz: np.ndarray) -> np.ndarray:
        u = zz[..., 0]
        v = zz[..., 1] if zz.shape[-1] > 1 else np.full_like(u, 0.5)
        x = 0.25 + 0.5 * u + 0.08 * np.sin(3 * v)
        y = 0.2 + 0.6 * v + 0.1 * np.cos(4 * u)
        return np.stack([x, y], axis=-1).astype(np.float32)

    fake = g(z)
    n = 20
    t = np.linspace(0, 1, n + 1)
    if noise_dim == 2:
        grid = np.stack(np.meshgrid(t, t, indexing="ij"), axis=-1)
        manifold = g(grid)
        alpha = (0.15 + 0.6 * rng.random((n, n))).astype(np.float32)
    else:
        manifold = g(t[:, None])
        alpha = np.zeros((0, 0), np.float32)
    c = (np.arange(field_res) + 0.5) / field_res
    xx, yy = np.meshgrid(c, c)  # row 0 = bottom
    blob = np.exp(-((xx - 0.3) ** 2 + (yy - 0.7) ** 2) / 0.02)
    blob += np.exp(-((xx - 0.7) ** 2) / 0.005 - (yy - 0.4) ** 2 / 0.08)
    fakes = np.exp(-((xx - 0.5) ** 2 + (yy - 0.5) ** 2) / 0.05)
    field = (1 / (1 + np.exp(-(3 * blob - 2.5 * fakes)))).astype(np.float32)

    def d_at(p: np.ndarray) -> np.ndarray:
        i = np.clip((p * field_res).astype(int), 0, field_res - 1)
        return field[i[:, 1], i[:, 0]]

    grad = (np.array([0.3, 0.7]) - fake) * 0.8 + rng.normal(0, 0.05, fake.shape)
    return FrameData(
        epoch=epoch, real=real, fake=fake, noise=z, field=field,
        field_bounds=(0.0, 0.0, 1.0, 1.0), manifold=manifold, manifold_alpha=alpha,
        grad_d=grad.astype(np.float32), grad_g=grad.astype(np.float32),
        pred_real=d_at(real[:150]), pred_fake=d_at(fake),
        d_loss=1.312, g_loss=0.734, kl=0.41, js=0.092,
    )


def render_png(path: str, size: tuple[int, int] = (1600, 900), frames: int = 4,
               setup=None) -> None:
    """Render the overlay with synthetic data into an EGL FBO and save it as a PNG.

    ``setup(overlay)`` may adjust the UiState (e.g. open the drawing window) before drawing.
    """
    import moderngl
    from PIL import Image

    from glgan.config import GanConfig
    from glgan.ui.overlay import Overlay

    ctx = moderngl.create_context(standalone=True, backend="egl", require=330)
    try:
        fbo = ctx.simple_framebuffer(size, components=4)
        ov = Overlay(ctx, size)
        if setup is not None:
            setup(ov)
        cfg = GanConfig()
        info = dict(dataset_samples=synthetic_dataset_samples(), fps=59.8, epochs_per_s=1830.0,
                    timings_ms=dict(train=6.1, sync=0.4, draw=3.2, ui=2.5), backend="numpy")
        for e in range(0, 1900, 10):  # some chart history
            ov.history.append(e, 1.39 - 0.1 * np.tanh(e / 400) + 0.03 * np.sin(e / 30),
                              0.69 + 0.2 * np.tanh(e / 300) + 0.05 * np.cos(e / 20),
                              2.0 * np.exp(-e / 500) + 0.3, 0.4 * np.exp(-e / 600) + 0.08)
        for i in range(frames):
            frame = synthetic_frame(epoch=1900 + 10 * i)
            ov.frame(cfg, frame, info, 1 / 60)
            fbo.use()
            fbo.clear(0.93, 0.93, 0.93, 1.0)
            ov.render()
        Image.frombytes("RGBA", size, fbo.read(components=4)).transpose(
            Image.Transpose.FLIP_TOP_BOTTOM).save(path)
        ov.shutdown()
    finally:
        ctx.release()


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else "out/overlay.png"
    wh = (int(sys.argv[2]), int(sys.argv[3])) if len(sys.argv) > 3 else (1600, 900)
    render_png(out, wh)
