"""Settings: the window's display preferences, kept between runs in a small JSON file.

Owns ``Settings`` (overlay scale, theme, output folder for screenshots and recordings, the
view's palette, auto-fit) and
where it lives: ``$GLGAN_CONFIG_DIR`` or ``$XDG_CONFIG_HOME/glgan`` (default
``~/.config/glgan``) ``/settings.json``. Reading is bounded and forgiving: a missing, corrupt
or foreign file, or a bad value in it, falls back to the default for that value (the window
must open whatever the file says). Writing is atomic. The default output folder is a ``glgan``
folder in the user's videos folder (``xdg-user-dir VIDEOS`` as its config file says, else
``~/Videos``).
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from glgan.fileio import atomic_write
from glgan.palette import PALETTES, THEMES

SCALE_RANGE = (0.75, 2.5)
MAX_BYTES = 64 << 10


def config_dir() -> Path:
    env = os.environ.get("GLGAN_CONFIG_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "glgan"


def videos_dir() -> Path:
    """The user's videos folder (XDG user dirs), else ~/Videos."""
    home = Path.home()
    dirs = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config") / "user-dirs.dirs"
    try:
        for line in dirs.read_text(errors="replace")[:MAX_BYTES].splitlines():
            if line.startswith("XDG_VIDEOS_DIR="):
                value = line.split("=", 1)[1].strip().strip('"')
                return Path(value.replace("$HOME", str(home)))
    except OSError:
        pass
    return home / "Videos"


@dataclass(frozen=True)
class Settings:
    """The window's preferences (each validated; see ``checked``)."""

    scale: float = 1.0
    theme: str = "light"
    out_dir: str = ""  # "" = the default: a glgan folder in the videos folder
    palette: str = "ganlab"
    auto_fit: bool = True  # frame the view when samples leave it

    def checked(self) -> Settings:
        """These settings with every invalid value replaced by its default."""
        d = Settings()
        scale = self.scale if isinstance(self.scale, (int, float)) and not isinstance(
            self.scale, bool) and SCALE_RANGE[0] <= self.scale <= SCALE_RANGE[1] else d.scale
        theme = self.theme if self.theme in THEMES else d.theme
        out = self.out_dir if isinstance(self.out_dir, str) and "\0" not in self.out_dir \
            else d.out_dir
        palette = self.palette if self.palette in PALETTES else d.palette
        auto_fit = self.auto_fit if isinstance(self.auto_fit, bool) else d.auto_fit
        return Settings(float(scale), theme, out, palette, auto_fit)

    @property
    def output_folder(self) -> Path:
        return Path(self.out_dir).expanduser() if self.out_dir else videos_dir() / "glgan"


def settings_path() -> Path:
    return config_dir() / "settings.json"


def load_settings() -> Settings:
    """The saved settings, or the defaults (never an error: the window must open)."""
    try:
        fd = os.open(settings_path(), os.O_RDONLY | os.O_NONBLOCK)  # a FIFO must not hang
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                return Settings()
            data = json.loads(f.read(MAX_BYTES + 1)[:MAX_BYTES].decode("utf-8"))
    except (OSError, ValueError, UnicodeDecodeError, RecursionError):
        return Settings()
    if not isinstance(data, dict):
        return Settings()
    known = {k: data[k] for k in ("scale", "theme", "out_dir", "palette", "auto_fit")
             if k in data}
    try:
        return replace(Settings(), **known).checked()
    except TypeError:
        return Settings()


def save_settings(settings: Settings) -> Path:
    """Write the settings atomically (creating the folder); returns the file."""
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(asdict(settings.checked()), indent=1)
    return atomic_write(path, lambda f: f.write(text.encode()))


def reset_settings() -> Settings:
    """Forget the saved settings: the defaults from now on."""
    try:
        settings_path().unlink()
    except FileNotFoundError:
        pass
    return Settings()
