"""Training with GAN Lab's presets really learns: grid JS drops far below its epoch-0 value.

Measured (NumPy, float32, JS over 1200 samples on GAN Lab's 30x30 grid, Philox streams of
engine v2, seeds 0-11, lowest JS at checkpoints every 250 epochs up to 3000): at epoch 0 the
presets sit at JS ~0.9-0.98 bits (one ring seed starts at 0.61). Gaussians reaches 0.19-0.51
(median ~0.26); ring 0.16-0.35; line is fragile (its discriminator's ReLUs often die, as in
GAN Lab, which is why GAN Lab ships a pretrained line model): 3 of 12 seeds reach < 0.3. GAN
training oscillates and is chaotic (a last-bit difference in a BLAS kernel changes the
trajectory), so each case uses a seed that learns with a wide margin and checks the lowest JS
seen at checkpoints every 250 epochs ("reaches"), not one final value.
"""

import pytest

from glgan.compute.api import make_engine
from glgan.config import preset


@pytest.mark.parametrize("dataset,seed,epochs", [
    ("line", 2, 3000), ("gaussians", 3, 3000), ("ring", 4, 3000),
])
def test_preset_learns_its_distribution(dataset, seed, epochs):
    eng = make_engine(preset(dataset).replace(seed=seed))
    _, js0 = eng.divergences()
    assert js0 > 0.9
    seen = []
    for _ in range(epochs // 250):
        eng.train(250)
        seen.append(eng.divergences()[1])
    js = min(seen)
    assert eng.status().diverged is None
    assert js < 0.45 < js0 / 2, f"{dataset}: JS {js0:.3f} -> {js:.3f}"
