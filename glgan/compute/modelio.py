"""Model files: GAN Lab's saved models (import and export) and glgan's own files.

Owns reading and writing GAN Lab's tfjs ``ModelArtifacts`` (reference ganlab.md §7: a JSON
manifest and a little-endian float32 ``.weights.bin``; the shipped pretrained models) and
glgan's format: ``NAME.json`` (format, version, each run's config, epoch and divergence
message) beside ``NAME.npz`` (each run's complete ``RunState`` arrays: weights, the
optimisers' state (m, v: Adam's moments, momentum's velocity, RMSprop's mean square) and Adam's
step counts, sample counters, losses, history; loaded with
``allow_pickle=False``), and sessions (one .glgan zip). A glgan file holds an
``EngineState``, so loading and training on gives bit for bit what training on without
stopping would have. Version 1 files (weights, Adam state and epoch of one run) still load.
Writes go to a temporary file that is then renamed, so a crash never leaves a half-written
model. Loading never executes code.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from glgan.config import MAX_RUNS, ConfigError, GanConfig, preset
from glgan.fileio import atomic_write, folder_lock, not_replaceable, sync_folder

from .api import GanEngine, make_engine
from .data import DataError
from .losses import sigmoid
from .mlp import forward, params_to_theta
from .state import RUN_ARRAYS, EngineState, RunState, d_sizes, g_sizes

FORMAT = "glgan-model"
VERSION = 2
READS = (1, 2)
MAX_JSON_BYTES = 16 << 20  # a model's JSON is a few kB per run
MAX_WEIGHTS_BYTES = 512 << 20  # 64 runs of the largest model with history: ~60 MB
MAX_ARRAY_VALUES = 1 << 23  # per array (the largest network has ~51k parameters)
PENDING_HEX = 16  # hex digits of the weights' checksum in their pending name
SESSION_FORMAT = "glgan-session"
SESSION_VERSION = 1
SESSION_SUFFIX = ".glgan"
MAX_SESSION_BYTES = 1 << 30  # every run's state, history (and later the timeline)
MAX_SESSION_MEMBERS = 1 << 16
MAX_TIMELINE_STATES = 4096


class ModelFileError(ValueError):
    """A model file is missing, corrupt or does not match its config."""


# -- GAN Lab import ----------------------------------------------------------------------
_NOISE = {"1D Uniform": ("uniform", 1), "1D Gaussian": ("gaussian", 1),
          "2D Uniform": ("uniform", 2), "2D Gaussian": ("gaussian", 2)}
_LOSS = {"Log loss": "log", "LeastSq loss": "leastsq"}
_OPT = {"SGD": "sgd", "Adam": "adam"}
_SHAPES = {"line": "line", "gaussians": "gaussians", "ring": "ring", "disjoint": "disjoint"}


@dataclass
class GanLabModel:
    """A GAN Lab model imported into glgan networks (float32, NumPy in and out)."""

    config: GanConfig
    epoch: int
    g_params: list[np.ndarray]
    d_params: list[np.ndarray]

    def __post_init__(self):
        c = self.config
        self._g_sizes, self._d_sizes = g_sizes(c), d_sizes(c)
        self._g = params_to_theta(self.g_params, self._g_sizes).astype(np.float32)
        self._d = params_to_theta(self.d_params, self._d_sizes).astype(np.float32)

    def generator(self, z: np.ndarray) -> np.ndarray:
        """G(z): (n, noise_dim) -> (n, 2)."""
        z = np.asarray(z, np.float32)
        if z.ndim != 2 or z.shape[1] != self.config.noise_dim:
            raise ValueError(f"z: expected shape (n, {self.config.noise_dim}), got {z.shape}")
        return forward(self._g, self._g_sizes, z, True)[-1]

    def discriminator(self, x: np.ndarray) -> np.ndarray:
        """D(x) as probabilities: (n, 2) -> (n,)."""
        x = np.asarray(x, np.float32)
        if x.ndim != 2 or x.shape[1] != 2:
            raise ValueError(f"x: expected shape (n, 2), got {x.shape}")
        return sigmoid(forward(self._d, self._d_sizes, x, False)[-1][:, 0])

    def to_engine(self, base: GanConfig | None = None, backend: str = "numpy") -> GanEngine:
        """A training engine starting from these weights at GAN Lab's stored epoch."""
        cfg = self.config if base is None else base.replace(**_arch(self.config))
        engine = make_engine(cfg, backend=backend)
        engine.set_weights(self.g_params, self.d_params, self.epoch)
        return engine


def _arch(c: GanConfig) -> dict:
    keys = ("dataset", "noise_dist", "noise_dim", "g_hidden_layers", "g_neurons",
            "d_hidden_layers", "d_neurons")
    return {k: getattr(c, k) for k in keys}


def _read_bounded(path: Path, limit: int, what: str) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes (never reads more)."""
    try:
        if not path.is_file():
            if path.exists():
                raise ModelFileError(f"{path}: not a regular file")
            raise FileNotFoundError(path)
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except FileNotFoundError:
        raise ModelFileError(f"{path}: file not found") from None
    except OSError as e:
        raise ModelFileError(f"{path}: cannot be read ({e.strerror or e})") from None
    if len(data) > limit:
        raise ModelFileError(f"{path}: larger than a {what} can be ({limit >> 20} MiB)")
    return data


def _read_json(path: Path):
    """Parse a JSON file; a missing or malformed file is a ModelFileError saying which."""
    try:
        return json.loads(_read_bounded(path, MAX_JSON_BYTES, "model description")
                          .decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ModelFileError(f"{path}: not valid JSON ({e})") from None


def _get(obj: dict, key: str, where: str):
    if not isinstance(obj, dict) or key not in obj:
        raise ModelFileError(f"{where}: missing field {key!r}")
    return obj[key]


def _json_int(obj: dict, key: str, where: str, lo: int = 0) -> int:
    """An integer field as JSON holds it: refused (not coerced) when it is a bool, a fraction,
    a string, Infinity or below ``lo``."""
    value = _get(obj, key, where)
    if isinstance(value, bool) or not isinstance(value, int) or value < lo:
        raise ModelFileError(f"{where}.{key}={value!r} must be an integer >= {lo}")
    return value


def _json_float(obj: dict, key: str, where: str) -> float:
    """A finite number (not a bool, not a string)."""
    value = _get(obj, key, where)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or \
            not np.isfinite(value):
        raise ModelFileError(f"{where}.{key}={value!r} must be a finite number")
    return float(value)


def _ganlab_config(topology: dict, path: Path) -> GanConfig:
    where = f"{path}: modelTopology.config"
    cfg = _get(topology, "config", f"{path}: modelTopology")
    shape = topology.get("shape_name", "gaussians")  # (absent in some files: GAN Lab's default)
    if not isinstance(shape, str) or shape.lower() not in _SHAPES:
        raise ModelFileError(f"{path}: modelTopology.shape_name={shape!r}; allowed "
                             f"{list(_SHAPES)}")
    dataset = _SHAPES[shape.lower()]
    noise = _get(cfg, "selectedNoiseType", where)
    if noise not in _NOISE:
        raise ModelFileError(f"{where}.selectedNoiseType={noise!r}; allowed {list(_NOISE)}")
    loss = _get(cfg, "lossType", where)
    if loss not in _LOSS:
        raise ModelFileError(f"{where}.lossType={loss!r}; allowed {list(_LOSS)}")
    opts = []
    for key in ("dOptimizerType", "gOptimizerType"):
        value = _get(cfg, key, where)
        if value not in _OPT:
            raise ModelFileError(f"{where}.{key}={value!r}; allowed {list(_OPT)}")
        opts.append(_OPT[value])
    try:
        return preset(dataset).replace(
            dataset=dataset, noise_dist=_NOISE[noise][0], noise_dim=_NOISE[noise][1],
            g_hidden_layers=_json_int(cfg, "numGeneratorLayers", where) + 1,
            d_hidden_layers=_json_int(cfg, "numDiscriminatorLayers", where) + 1,
            g_neurons=_json_int(cfg, "numGeneratorNeurons", where, 1),
            d_neurons=_json_int(cfg, "numDiscriminatorNeurons", where, 1),
            d_lr=_json_float(cfg, "dLearningRate", where),
            g_lr=_json_float(cfg, "gLearningRate", where),
            d_optimizer=opts[0], g_optimizer=opts[1], loss=_LOSS[loss],
            k_d=_json_int(cfg, "kDSteps", where), k_g=_json_int(cfg, "kGSteps", where),
        )
    except ConfigError as e:
        raise ModelFileError(f"{where}: {e}") from None


def _find_weights(json_path: Path, manifest_path: str) -> Path:
    """The weights file a manifest names, which must lie in the manifest's own folder (only
    its file name counts: ``./x.bin`` and ``models/x.bin`` both mean ``x.bin`` beside it)."""
    if not isinstance(manifest_path, str) or Path(manifest_path).name in ("", ".", ".."):
        raise ModelFileError(f"{json_path}: weights path {manifest_path!r} names no file")
    candidate = json_path.parent / Path(manifest_path).name
    if not candidate.is_file():
        raise ModelFileError(f"{json_path}: weights file {manifest_path!r} not found (looked "
                             f"for {candidate})")
    return candidate


def load_ganlab_model(json_path) -> GanLabModel:
    """Import a GAN Lab saved model (``pretrained_<shape>.json`` + ``.weights.bin``)."""
    path = Path(json_path)
    doc = _read_json(path)
    topology = _get(doc, "modelTopology", str(path))
    config = _ganlab_config(topology, path)
    manifest = _get(doc, "weightsManifest", str(path))
    if not isinstance(manifest, list) or not manifest:
        raise ModelFileError(f"{path}: weightsManifest must be a non-empty list")
    tensors: dict[str, np.ndarray] = {}
    for group_no, group in enumerate(manifest):
        where = f"{path}: weightsManifest[{group_no}]"
        paths, specs = _get(group, "paths", where), _get(group, "weights", where)
        if not isinstance(paths, list) or not paths:
            raise ModelFileError(f"{where}: paths must be a non-empty list of file names")
        blob = b"".join(_read_bounded(_find_weights(path, p), MAX_WEIGHTS_BYTES,
                                      "weights file") for p in paths)
        offset = 0
        for spec in specs:
            name, shape = _get(spec, "name", where), _get(spec, "shape", where)
            if spec.get("dtype", "float32") != "float32":
                raise ModelFileError(f"{where}: weight {name} has dtype {spec.get('dtype')!r}; "
                                     "only float32 is supported")
            count = int(np.prod(shape)) if shape else 1
            end = offset + 4 * count
            if end > len(blob):
                raise ModelFileError(f"{where}: weights file too short ({len(blob)} bytes) for "
                                     f"{name} {shape}")
            tensors[name] = np.frombuffer(blob, "<f4", count, offset).reshape(shape).copy()
            offset = end
        if offset != len(blob):
            raise ModelFileError(f"{where}: weights file has {len(blob) - offset} extra bytes")
    g_params = _collect(tensors, "g", config, path)
    d_params = _collect(tensors, "d", config, path)
    for arr in g_params + d_params:
        if not np.isfinite(arr).all():
            raise ModelFileError(f"{path}: weights contain NaN or Inf")
    epoch = _json_int(topology, "iter_count", f"{path}: modelTopology") \
        if "iter_count" in topology else 0
    return GanLabModel(config, epoch, g_params, d_params)


def _collect(tensors: dict, prefix: str, c: GanConfig, path: Path) -> list[np.ndarray]:
    sizes = g_sizes(c) if prefix == "g" else d_sizes(c)
    out = []
    for i in range(2 * (len(sizes) - 1)):
        name = f"{prefix}-{i}"
        layer = i // 2
        want = (sizes[layer], sizes[layer + 1]) if i % 2 == 0 else (sizes[layer + 1],)
        if name not in tensors:
            raise ModelFileError(f"{path}: weight {name} missing from the manifest")
        if tensors[name].shape != want:
            raise ModelFileError(f"{path}: weight {name} has shape {tensors[name].shape}, the "
                                 f"config needs {want}")
        out.append(tensors[name])
    return out


# -- GAN Lab export ----------------------------------------------------------------------
GANLAB_EXTRA = "glgan"  # modelTopology's key for what glgan records beside GAN Lab's fields


def _params(theta: np.ndarray, sizes: list[int]) -> list[np.ndarray]:
    """Flat augmented-matrix weights -> [W0, b0, W1, b1, ...] as little-endian float32
    (the inverse of ``params_to_theta``)."""
    theta = np.asarray(theta)
    out, offset = [], 0
    for a, b in zip(sizes, sizes[1:]):
        block = theta[offset:offset + (a + 1) * b].reshape(a + 1, b)
        out += [block[:-1], block[-1]]
        offset += (a + 1) * b
    if offset != theta.size:
        raise ModelFileError(f"weights: {theta.size} values, the config needs {offset}")
    with np.errstate(over="ignore", invalid="ignore"):
        out = [np.ascontiguousarray(p, dtype="<f4") for p in out]
    if not all(np.isfinite(p).all() for p in out):
        raise ModelFileError("weights: NaN, Inf or beyond float32's range; GAN Lab's format "
                             "holds finite float32 values only")
    return out


def _export_source(source, run: int) -> tuple[GanConfig, int, list, list]:
    """(config, epoch, G params, D params) of ``run`` in an engine, EngineState or RunState,
    or of a GanLabModel."""
    if isinstance(source, GanLabModel):
        c = source.config
        return (c, source.epoch, _params(params_to_theta(source.g_params, g_sizes(c)),
                                         g_sizes(c)),
                _params(params_to_theta(source.d_params, d_sizes(c)), d_sizes(c)))
    if isinstance(source, GanEngine):
        source = source.snapshot()
    if isinstance(source, EngineState):
        if isinstance(run, bool) or not isinstance(run, (int, np.integer)) or \
                not 0 <= run < len(source.runs):
            raise ValueError(f"run={run!r} is out of range; the source has "
                             f"{len(source.runs)} run(s)")
        source = source.runs[int(run)]
    if not isinstance(source, RunState):
        raise TypeError(f"save_ganlab_model: cannot export a {type(source).__name__}; give a "
                        "GanEngine, EngineState, RunState or GanLabModel")
    c = source.config
    return (c, int(source.epoch), _params(source.g_theta, g_sizes(c)),
            _params(source.d_theta, d_sizes(c)))


def _ganlab_topology(config: GanConfig, epoch: int) -> dict:
    """GAN Lab's modelTopology for ``config`` (its keys in the order of GAN Lab's files);
    ModelFileError when GAN Lab cannot express the model or its training."""
    names = {v: k for k, v in _NOISE.items()}
    losses = {v: k for k, v in _LOSS.items()}
    opts = {v: k for k, v in _OPT.items()}
    c = config
    if c.dataset not in _SHAPES:
        raise ModelFileError(f"dataset={c.dataset!r}: GAN Lab's model files exist for "
                             f"{', '.join(_SHAPES)} only")
    if c.loss not in losses:
        raise ModelFileError(f"loss={c.loss!r}: GAN Lab's files hold "
                             f"{', '.join(_LOSS.values())} only")
    for key in ("d_optimizer", "g_optimizer"):
        if getattr(c, key) not in opts:
            raise ModelFileError(f"{key}={getattr(c, key)!r}: GAN Lab's files hold "
                                 f"{', '.join(_OPT.values())} only")
    return {"shape_name": c.dataset, "iter_count": int(epoch), "config": {
        "selectedNoiseType": names[(c.noise_dist, c.noise_dim)], "noiseSize": c.noise_dim,
        "numGeneratorLayers": c.g_hidden_layers - 1,
        "numDiscriminatorLayers": c.d_hidden_layers - 1,
        "numGeneratorNeurons": c.g_neurons, "numDiscriminatorNeurons": c.d_neurons,
        "dLearningRate": c.d_lr, "gLearningRate": c.g_lr,
        "dOptimizerType": opts[c.d_optimizer], "gOptimizerType": opts[c.g_optimizer],
        "lossType": losses[c.loss], "kDSteps": c.k_d, "kGSteps": c.k_g}}


def save_ganlab_model(source, run: int, path, *, extra: dict | None = None
                      ) -> tuple[Path, Path]:
    """Write one run as a GAN Lab saved model: ``NAME.json`` (tfjs ModelArtifacts: GAN Lab's
    modelTopology with the preset keys and ``iter_count``, and a weightsManifest) beside
    ``NAME.weights.bin`` (every weight as little-endian float32, ``d-0`` ... then ``g-0`` ...,
    as GAN Lab's files). ``load_ganlab_model`` reads it back bit for bit, and GAN Lab's own
    files written again come out byte for byte as they were.

    source: a GanEngine (``run`` picks the run), an EngineState, a RunState or a GanLabModel.
    path: NAME.json (a name without .json gets it). extra: JSON values recorded under
    ``modelTopology.glgan`` (how the model was made; GAN Lab and ``load_ganlab_model`` ignore
    it). Settings GAN Lab's format cannot hold (the minimax, hinge and wasserstein losses, the
    rmsprop and momentum optimisers, the drawn dataset, a real_weight, batch size, optimiser
    constants, clip or atlas other than the preset's) are refused, so
    what loads is what was saved; the seed is not part of the model and is not stored (record
    it in ``extra``). Both files are written atomically, weights first, under the folder's
    lock. Returns (json path, weights path).
    """
    config, epoch, g_params, d_params = _export_source(source, run)
    json_path = Path(path) if str(path).endswith(".json") else Path(f"{path}.json")
    bin_path = json_path.with_name(json_path.name[:-len(".json")] + ".weights.bin")
    _check_targets(path, (json_path, bin_path), "pretrained_ring.json")
    topology = _ganlab_topology(config, epoch)
    if extra is not None:
        if not isinstance(extra, dict):
            raise TypeError(f"extra must be a dict of JSON values, not {type(extra).__name__}")
        topology[GANLAB_EXTRA] = extra
    specs = [{"name": f"{net}-{i}", "shape": list(p.shape), "dtype": "float32"}
             for net, params in (("d", d_params), ("g", g_params)) for i, p in enumerate(params)]
    doc = {"modelTopology": topology,
           "weightsManifest": [{"paths": [f"./{bin_path.name}"], "weights": specs}]}
    try:
        text = json.dumps(doc, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as e:
        raise ModelFileError(f"{json_path}: extra is not plain JSON ({e})") from None
    loaded = _ganlab_config(json.loads(text)["modelTopology"], json_path)
    lost = [f"{k}={getattr(config, k)!r} (loads as {getattr(loaded, k)!r})"
            for k in config.to_dict() if k != "seed" and getattr(config, k) != getattr(loaded, k)]
    if lost:
        raise ModelFileError(f"{json_path}: GAN Lab's format cannot hold {', '.join(lost)}")
    blob = b"".join(p.tobytes() for p in d_params + g_params)
    json_path.parent.mkdir(parents=True, exist_ok=True)
    with folder_lock(json_path.parent):
        atomic_write(bin_path, lambda f: f.write(blob))
        atomic_write(json_path, lambda f: f.write(text.encode("utf-8")))
        sync_folder(json_path.parent)
    return json_path, bin_path


# -- glgan's own files -------------------------------------------------------------------
def _paths(path) -> tuple[Path, Path]:
    """NAME.json and NAME.npz for ``path`` (NAME, NAME.json or NAME.npz; other dots are kept:
    ``run.v2`` -> ``run.v2.json``)."""
    p = Path(path)
    stem = p.with_suffix("") if p.suffix in (".json", ".npz") else p
    return Path(f"{stem}.json"), Path(f"{stem}.npz")


def _check_targets(path, files: tuple[Path, ...], example: str) -> None:
    """A save to ``path`` writing ``files``: a name is given (not a folder), each file is
    absent or a regular file (never a directory, device, FIFO or a symlink: an atomic save
    replaces the path itself), in an existing, writable folder. ModelFileError says why."""
    import os

    if path is None or not str(path).strip():
        raise ModelFileError("--save: needs a file name, e.g. --save runs/ring1")
    if Path(path).is_dir() or str(path).endswith(("/", os.sep)):
        raise ModelFileError(f"--save {path}: is a folder; give a file name inside it, e.g. "
                             f"{Path(path) / example}")
    for p in files:
        try:
            reason = not_replaceable(p)
        except OSError as e:
            raise ModelFileError(f"{p}: cannot be checked ({e.strerror})") from None
        if reason is not None:
            raise ModelFileError(f"{p}: {reason}; a save replaces regular files only")
    folder = files[0].parent
    existing = next((q for q in [folder, *folder.parents] if q.exists()), Path("."))
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise ModelFileError(f"--save {path}: folder {existing} is not writable")


def check_save_target(path) -> tuple[Path, Path]:
    """The NAME.json / NAME.npz a save to ``path`` writes, checked before any work (see
    _check_targets)."""
    paths = _paths(path) if path is not None and str(path).strip() else (Path("x"),)
    _check_targets(path, paths, "model")
    return paths


def _pending_path(npz_path: Path, digest: str) -> Path:
    """Where a save puts its new weights before they take ``npz_path``'s name."""
    return npz_path.with_name(f"{npz_path.stem}.{digest[:PENDING_HEX]}.npz")


def _finish_or_clean(json_path: Path, npz_path: Path) -> None:
    """Under the folder lock, before a save: complete a save that was interrupted after its
    commit (its weights still under their pending name), then remove what interrupted saves
    of this model left behind (pending weights no JSON refers to, temporary files)."""
    import os
    import re

    digest = None
    try:
        meta = _read_json(json_path)
        digest = meta.get("weights_sha256") if isinstance(meta, dict) else None
    except ModelFileError:
        pass
    keep = _pending_path(npz_path, digest) if isinstance(digest, str) else None
    if keep is not None and keep.is_file():  # committed, not yet renamed: roll forward
        os.replace(keep, npz_path)
    stem = re.escape(npz_path.stem)
    pending = rf"{stem}\.[0-9a-f]{{{PENDING_HEX}}}\.npz"
    # what a crash leaves: pending weights, and atomic_write's temporaries of this model's
    # three names (".NAME.json.<pid>.<hex>.tmp"); nothing else in the folder is touched
    left = re.compile(rf"^(?:{pending}|\.(?:{re.escape(json_path.name)}|{stem}\.npz|{pending})"
                      rf"\.\d+\.[0-9a-f]{{8}}\.tmp)$")
    for p in json_path.parent.iterdir():
        if left.match(p.name) and not_replaceable(p) is None:
            try:
                p.unlink()
            except FileNotFoundError:
                pass


def save_model(engine: GanEngine, path) -> tuple[Path, Path]:
    """Write ``NAME.json`` + ``NAME.npz`` (every run's complete state); returns both paths.

    Atomic as a pair: the new weights are written under a name of their own
    (``NAME.<sha>.npz``), then the JSON (which records their SHA-256) replaces the old one:
    that rename is the commit. Only then do the weights take ``NAME.npz``'s place. A crash
    before the commit leaves the old model; after it, the new one (a loader finds the
    weights under either name by their checksum, and the next save finishes the rename and
    removes what a crash left). Saves to the same folder take a lock, so two concurrent saves
    never interleave.
    """
    import os

    json_path, npz_path = check_save_target(path)
    json_path.parent.mkdir(parents=True, exist_ok=True)
    arrays, runs = _state_arrays(engine.snapshot())
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    blob = buf.getvalue()
    meta = {"format": FORMAT, "version": VERSION, "runs": runs,
            "weights": npz_path.name, "weights_sha256": hashlib.sha256(blob).hexdigest(),
            "arrays": {k: list(v.shape) for k, v in arrays.items()}}
    pending = _pending_path(npz_path, meta["weights_sha256"])
    with folder_lock(json_path.parent):
        _finish_or_clean(json_path, npz_path)
        atomic_write(pending, lambda f: f.write(blob))
        atomic_write(json_path, lambda f: f.write(json.dumps(meta, indent=1).encode()))
        os.replace(pending, npz_path)
        sync_folder(json_path.parent)
    return json_path, npz_path


def _read_meta(json_path: Path) -> dict:
    meta = _read_json(json_path)
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelFileError(f"{json_path}: not a glgan model file (format != {FORMAT!r})")
    version = meta.get("version")
    if type(version) is not int or version not in READS:
        raise ModelFileError(f"{json_path}: version {meta.get('version')!r} is not supported "
                             f"(this glgan reads versions {', '.join(map(str, READS))})")
    return meta


def _check_epoch(epoch, where: str) -> int:
    if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
        raise ModelFileError(f"{where}: epoch={epoch!r} must be a non-negative integer")
    return epoch


def _config(data, where: str) -> GanConfig:
    try:
        return GanConfig.from_dict(data, where=where)
    except ConfigError as e:
        text = str(e)
        raise ModelFileError(text if text.startswith(where.split(":")[0]) else
                             f"{where}: {text}") from None


def _read_arrays(json_path: Path, meta: dict, wanted) -> dict[str, np.ndarray]:
    """The arrays named in ``wanted`` from the .npz beside ``json_path`` (others are not
    read); each array's header is checked (no objects, at most MAX_ARRAY_VALUES values)
    before its data is read."""
    weights = meta.get("weights", _paths(json_path)[1].name)
    if not isinstance(weights, str) or not weights.endswith(".npz") or \
            Path(weights).name != weights:
        raise ModelFileError(f"{json_path}: weights={weights!r} must name a .npz file "
                             "beside the JSON")
    npz_path = json_path.parent / weights
    digest = meta.get("weights_sha256")
    if digest is not None and not isinstance(digest, str):
        raise ModelFileError(f"{json_path}: weights_sha256 must be a hex string")
    candidates = [npz_path]
    if digest is not None:  # a save interrupted after its commit: the weights' pending name
        candidates.insert(0, _pending_path(npz_path, digest))
    blob = None
    for candidate in candidates:
        if candidate != npz_path and not candidate.is_file():
            continue
        data = _read_bounded(candidate, MAX_WEIGHTS_BYTES, "weights file")
        if digest is None or hashlib.sha256(data).hexdigest() == digest:
            blob, npz_path = data, candidate
            break
    if blob is None:
        raise ModelFileError(f"{npz_path}: does not belong to {json_path.name} (checksum "
                             "mismatch: the pair was changed or only half saved)")
    readers = {(1, 0): np.lib.format.read_array_header_1_0,
               (2, 0): np.lib.format.read_array_header_2_0}
    out = {}
    try:
        with np.load(io.BytesIO(blob), allow_pickle=False) as data:
            for name in data.files:
                if name not in wanted:
                    continue
                with data.zip.open(name + ".npy") as f:
                    version = np.lib.format.read_magic(f)
                    if version not in readers:
                        raise ValueError(f"{name}: npy format {version} is not supported")
                    shape, _, dtype = readers[version](f)
                if dtype.hasobject or int(np.prod(shape)) > MAX_ARRAY_VALUES:
                    raise ValueError(f"{name}: {shape} of {dtype} is not an array a model "
                                     f"holds (numbers only, at most {MAX_ARRAY_VALUES})")
                out[name] = data[name]
    except (ValueError, OSError, EOFError, KeyError) as e:
        raise ModelFileError(f"{npz_path}: corrupt weights file ({e})") from None
    return out


def _v1_run(meta: dict, arrays: dict, json_path: Path) -> RunState:
    """A version 1 file: one run's weights, Adam state, atlas counters and epoch."""
    config = _config(_get(meta, "config", str(json_path)), f"{json_path}: config")
    epoch = _check_epoch(meta.get("epoch", 0), str(json_path))
    for name in ("g_theta", "d_theta"):
        if name not in arrays:
            raise ModelFileError(f"{name} missing")
    _check_optimizer_state(arrays)
    out = {"g_theta": arrays["g_theta"], "d_theta": arrays["d_theta"]}
    counts = [0, 0, 0, 0, epoch]
    for net in ("g", "d"):
        size = np.asarray(arrays[f"{net}_theta"]).shape
        m = arrays.get(f"opt_{net}_m", np.zeros(size, np.float32))
        v = arrays.get(f"opt_{net}_v", np.zeros(size, np.float32))
        out[f"{net}_m"], out[f"{net}_v"] = m, v
        counts[0 if net == "g" else 1] = int(arrays.get(f"opt_{net}_t", 0))
    if "atlas_counters" in arrays:
        c = np.asarray(arrays["atlas_counters"])
        if c.shape != (2,) or c.dtype.kind not in "iu" or (c < 0).any():
            raise ModelFileError("atlas_counters must be two non-negative integers")
        counts[2], counts[3] = int(c[0]), int(c[1])
    out["counts"] = np.array(counts, np.int64)
    return RunState.from_arrays(config, out)


def _check_optimizer_state(arrays: dict) -> None:
    for net in ("opt_d", "opt_g"):
        keys = {k for k in arrays if k.startswith(net + "_")}
        if not keys:
            continue
        if keys != {f"{net}_m", f"{net}_v", f"{net}_t"}:
            raise ModelFileError(f"{net} state needs m, v and t; found "
                                 f"{sorted(k[len(net) + 1:] for k in keys)}")
        t = arrays[f"{net}_t"]
        if t.shape != () or t.dtype.kind not in "iu" or int(t) < 0:
            raise ModelFileError(f"{net}_t must be a non-negative integer scalar")


def read_state(path) -> EngineState:
    """The EngineState stored in a glgan model file pair (every field checked). Reads under
    a shared lock of the folder, so a save in progress is never seen half done."""
    json_path, _ = _paths(path)
    folder = json_path.parent
    if not folder.is_dir():
        raise ModelFileError(f"{json_path}: no such file (folder {folder} does not exist)")
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(folder_lock(folder, shared=True))
        except OSError:  # a folder we may read but not lock (some network filesystems)
            pass
        return _read_state(json_path)


def _runs_meta(meta: dict, where: str) -> tuple[list, list[GanConfig]]:
    """The "runs" list of a version 2 file or a session, each entry checked."""
    runs_meta = _get(meta, "runs", where)
    if not isinstance(runs_meta, list) or not 1 <= len(runs_meta) <= MAX_RUNS:
        raise ModelFileError(f"{where}: runs must be a list of 1 to {MAX_RUNS} runs")
    configs = []
    for i, r in enumerate(runs_meta):
        at = f"{where}: runs[{i}]"
        configs.append(_config(_get(r, "config", at), f"{at}.config"))
        _check_epoch(r.get("epoch", 0), at)
        if not isinstance(r.get("diverged"), (str, type(None))):
            raise ModelFileError(f"{at}: diverged must be a message or null")
    return runs_meta, configs


def _run_states(runs_meta: list, configs: list[GanConfig], arrays: dict) -> list[RunState]:
    """Every run's RunState from its ``run{i}_*`` arrays (ValueError says which is wrong)."""
    runs = []
    for i, (c, r) in enumerate(zip(configs, runs_meta)):
        prefix = f"run{i}_"
        mine = {k[len(prefix):]: v for k, v in arrays.items() if k.startswith(prefix)}
        try:
            state = RunState.from_arrays(c, mine, r.get("diverged"))
        except ValueError as e:
            raise ValueError(f"run {i}: {e}") from None
        if state.epoch != r.get("epoch", state.epoch):
            raise ValueError(f"run {i}: epoch {r.get('epoch')} in the JSON != "
                             f"{state.epoch} in the weights")
        runs.append(state)
    return runs


def _state_arrays(state: EngineState) -> tuple[dict, list]:
    """(named arrays, runs metadata) of an EngineState, as both formats store them."""
    arrays = {}
    for i, run in enumerate(state.runs):
        arrays.update({f"run{i}_{k}": v for k, v in run.arrays().items()})
    if state.drawn is not None:
        arrays["drawn"] = np.asarray(state.drawn)
    runs = [{"config": r.config.to_dict(), "epoch": r.epoch, "diverged": r.diverged}
            for r in state.runs]
    return arrays, runs


def _read_state(json_path: Path) -> EngineState:
    meta = _read_meta(json_path)
    if meta["version"] == 2:  # check the JSON before reading the weights
        runs_meta, configs = _runs_meta(meta, str(json_path))
        wanted = {f"run{i}_{k}" for i in range(len(runs_meta)) for k in RUN_ARRAYS} | {"drawn"}
    else:
        wanted = {"g_theta", "d_theta", "atlas_counters", "drawn"} | {
            f"opt_{n}_{k}" for n in "dg" for k in "mvt"}
    arrays = _read_arrays(json_path, meta, wanted)
    npz_path = json_path.parent / meta.get("weights", _paths(json_path)[1].name)
    drawn = arrays.pop("drawn", None)
    try:
        if meta["version"] == 1:
            runs = [_v1_run(meta, arrays, json_path)]
        else:
            runs = _run_states(runs_meta, configs, arrays)
    except (ValueError, KeyError, TypeError) as e:
        raise ModelFileError(f"{npz_path}: {e}") from None
    return EngineState(tuple(runs), drawn)


# -- sessions: one .glgan file ------------------------------------------------------------
@dataclass(frozen=True)
class Session:
    """What a session file holds: every run's complete state (and the drawn points), the
    window's view and UI settings as the app saved them (empty when saved by ``train``), and
    the timeline's kept states, oldest first (empty when none were saved)."""

    state: EngineState
    view: dict
    timeline: tuple[EngineState, ...] = ()


def session_target(path) -> Path:
    """The file a session save to ``path`` writes: a name without an extension gets .glgan."""
    p = Path(path)
    return p if p.suffix else p.with_name(p.name + SESSION_SUFFIX)


def is_pair_name(path) -> bool:
    """True when ``path`` names the old JSON + .npz model pair (NAME.json or NAME.npz)."""
    return Path(path).suffix in (".json", ".npz")


def check_session_target(path) -> Path:
    """The session file a save to ``path`` writes, checked before any work (see
    _check_targets)."""
    target = session_target(path) if path is not None and str(path).strip() else Path("x")
    _check_targets(path, (target,), "session")
    return target


def save_session(state: EngineState, path, view: dict | None = None,
                 timeline: tuple[EngineState, ...] | list = ()) -> Path:
    """Write a session (a zip of session.json and one .npy per array, no pickle) as one file,
    atomically: a crash leaves the old file or the new one. ``timeline``: kept states to
    store too (each under ``timeline/K/``). Returns the path."""
    import zipfile

    target = check_session_target(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    parts = [("arrays", *_state_arrays(state))]
    timeline = _fitting(list(timeline), len(parts[0][1]), len(json.dumps(parts[0][2])))
    parts += [(f"timeline/{k}", *_state_arrays(s)) for k, s in enumerate(timeline)]
    meta = {"format": SESSION_FORMAT, "version": SESSION_VERSION, "runs": parts[0][2],
            "arrays": {k: list(np.shape(v)) for k, v in parts[0][1].items()},
            "view": view or {}, "timeline": [{"runs": runs} for _, _, runs in parts[1:]]}
    text = json.dumps(meta, indent=1, allow_nan=False)  # NaN would not be JSON: refuse

    def write(f) -> None:
        with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_DEFLATED) as z:
            z.writestr("session.json", text)
            for folder, arrays, _ in parts:
                for name, value in arrays.items():
                    buf = io.BytesIO()
                    np.lib.format.write_array(buf, np.ascontiguousarray(value),
                                              allow_pickle=False)
                    z.writestr(f"{folder}/{name}.npy", buf.getvalue())

    atomic_write(target, write)
    return target


def _fitting(states: list, members_per_state: int, json_per_state: int) -> list:
    """As many of the timeline's states (evenly spread, first and last kept) as a reader
    accepts: at most MAX_TIMELINE_STATES, the zip's member limit and half the JSON limit."""
    room = min(MAX_TIMELINE_STATES,
               (MAX_SESSION_MEMBERS - members_per_state - 16) // max(members_per_state, 1),
               (MAX_JSON_BYTES // 2) // max(json_per_state + 16, 1))
    if len(states) <= room:
        return states
    keep = np.unique(np.linspace(0, len(states) - 1, max(room, 2)).round().astype(int))
    return [states[i] for i in keep]


def _session_state(z, members: dict, folder: str, runs_meta: list, configs: list,
                   where: str) -> EngineState:
    """One EngineState from the ``folder/NAME.npy`` members of a session."""
    wanted = [f"run{i}_{k}" for i in range(len(runs_meta)) for k in RUN_ARRAYS] + ["drawn"]
    arrays = {}
    limit = MAX_ARRAY_VALUES * 8 + 4096
    for name in wanted:
        info = members.get(f"{folder}/{name}.npy")
        if info is not None:
            arrays[name] = _npy(_member(z, info, limit, where), name)
    drawn = arrays.pop("drawn", None)
    return EngineState(tuple(_run_states(runs_meta, configs, arrays)), drawn)


def _member(z, info, limit: int, where: str) -> bytes:
    """A zip member's bytes, refusing more than ``limit`` (whatever its header claims: a
    decompression bomb stops at the limit)."""
    if info.file_size > limit:
        raise ModelFileError(f"{where}: member {info.filename} is {info.file_size} bytes; at "
                             f"most {limit} are read")
    with z.open(info) as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise ModelFileError(f"{where}: member {info.filename} is larger than it says")
    return data


def _npy(data: bytes, name: str) -> np.ndarray:
    """An array from .npy bytes: the header is checked (numbers only, bounded) before the
    data is read, never unpickled."""
    f = io.BytesIO(data)
    version = np.lib.format.read_magic(f)
    readers = {(1, 0): np.lib.format.read_array_header_1_0,
               (2, 0): np.lib.format.read_array_header_2_0}
    if version not in readers:
        raise ValueError(f"{name}: npy format {version} is not supported")
    shape, _, dtype = readers[version](f)
    if dtype.hasobject or dtype.kind not in "biuf" or int(np.prod(shape)) > MAX_ARRAY_VALUES:
        raise ValueError(f"{name}: {shape} of {dtype} is not an array a session holds "
                         f"(numbers only, at most {MAX_ARRAY_VALUES})")
    return np.lib.format.read_array(io.BytesIO(data), allow_pickle=False)


def read_session(path) -> Session:
    """The Session in a .glgan file, every part checked: refused with a ModelFileError naming
    the file and the problem when corrupt, truncated, oversized, foreign or from a newer glgan
    (unknown members are ignored without being decompressed)."""
    import zipfile
    import zlib

    p = Path(path)
    where = str(p)
    blob = _read_bounded(p, MAX_SESSION_BYTES, "session file")
    try:
        z = zipfile.ZipFile(io.BytesIO(blob))
    except zipfile.BadZipFile:
        raise ModelFileError(f"{where}: not a glgan session (not a zip file, or truncated)") \
            from None
    try:
        infos = z.infolist()
        if len(infos) > MAX_SESSION_MEMBERS:
            raise ModelFileError(f"{where}: {len(infos)} members; a session has at most "
                                 f"{MAX_SESSION_MEMBERS}")
        members = {i.filename: i for i in infos}
        if "session.json" not in members:
            raise ModelFileError(f"{where}: not a glgan session (no session.json)")
        try:
            meta = json.loads(_member(z, members["session.json"], MAX_JSON_BYTES, where)
                              .decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
            raise ModelFileError(f"{where}: session.json is not valid JSON ({e})") from None
        if not isinstance(meta, dict) or meta.get("format") != SESSION_FORMAT:
            raise ModelFileError(f"{where}: not a glgan session (format != "
                                 f"{SESSION_FORMAT!r})")
        version = meta.get("version")
        if type(version) is not int or version < 1:
            raise ModelFileError(f"{where}: version {version!r} is not a session version")
        if version > SESSION_VERSION:
            raise ModelFileError(f"{where}: written by a newer glgan (session version "
                                 f"{version}); this one reads version {SESSION_VERSION}")
        runs_meta, configs = _runs_meta(meta, where)
        view = meta.get("view", {})
        if not isinstance(view, dict):
            raise ModelFileError(f"{where}: view must be an object")
        state = _session_state(z, members, "arrays", runs_meta, configs, where)
        kept = meta.get("timeline", [])
        if not isinstance(kept, list) or len(kept) > MAX_TIMELINE_STATES:
            raise ModelFileError(f"{where}: timeline must be a list of at most "
                                 f"{MAX_TIMELINE_STATES} states")
        timeline = []
        for k, entry in enumerate(kept):
            at = f"{where}: timeline[{k}]"
            t_meta, t_configs = _runs_meta(entry if isinstance(entry, dict) else {}, at)
            past = _session_state(z, members, f"timeline/{k}", t_meta, t_configs, at)
            shapes = [(r.g_theta.shape, r.d_theta.shape) for r in past.runs]
            if shapes != [(r.g_theta.shape, r.d_theta.shape) for r in state.runs]:
                raise ModelFileError(f"{at}: does not belong to this session's runs (other "
                                     "run count or network sizes)")
            timeline.append(past)
    except ModelFileError:
        raise
    except (ValueError, KeyError, TypeError, OSError, EOFError, zipfile.BadZipFile,
            zlib.error, NotImplementedError, RuntimeError) as e:  # CRC, format errors too
        raise ModelFileError(f"{where}: corrupt session ({type(e).__name__}: {e})") from None
    return Session(state, view, tuple(timeline))


def read_any(path) -> Session:
    """A session (.glgan or any other name) or an old JSON + .npz pair (NAME.json / NAME.npz;
    a bare NAME finds NAME.glgan first, then NAME.json)."""
    p = Path(path)
    if is_pair_name(p):
        return Session(read_state(p), {})
    if not p.suffix and not p.exists():
        for candidate in (session_target(p), Path(f"{p}.json")):
            if candidate.exists():
                return read_any(candidate)
        raise ModelFileError(f"{p}: not found (nor {session_target(p).name} or "
                             f"{p.name}.json)")
    return read_session(p)


def load_model(path, backend: str = "numpy") -> GanEngine:
    """Load a session or a glgan model pair into a new engine (every run's complete state)."""
    state = read_any(path).state
    try:
        return make_engine(state=state, backend=backend)
    except (ValueError, KeyError, TypeError, ConfigError, DataError) as e:
        raise ModelFileError(f"{path}: {e}") from None


PRETRAINED_DIR = Path(__file__).resolve().parent.parent / "assets" / "pretrained"


def pretrained_path(dataset: str) -> Path | None:
    """The pretrained model shipped for ``dataset`` (GAN Lab's format), else None (drawn).

    line and gaussians are GAN Lab's own saved models; GAN Lab's ring and disjoint files are
    not available, so those two are glgan's, trained with each dataset's preset for GAN Lab's
    epoch count and regenerated by ``python -m glgan.compute.pretrain ring disjoint`` (see
    assets/pretrained/NOTICE for the seeds and KL)."""
    path = PRETRAINED_DIR / f"pretrained_{dataset}.json"
    return path if path.is_file() else None
