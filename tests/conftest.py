"""Shared pytest fixtures: a session-wide headless EGL OpenGL context and the golden-image
update switch. Keep this generic; test-specific helpers live in their own modules."""

from __future__ import annotations

import os

import pytest


def pytest_configure(config: pytest.Config) -> None:
    """The window keeps its settings in the user's config folder: tests (and the windows they
    start in subprocesses) use a private one, and write screenshots and videos in the
    working folder unless a test says otherwise."""
    import tempfile

    folder = tempfile.mkdtemp(prefix="glgan-test-config-")
    os.environ["GLGAN_CONFIG_DIR"] = folder
    with open(os.path.join(folder, "settings.json"), "w") as f:
        f.write('{"out_dir": "."}')


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-goldens", action="store_true", default=False,
                     help="rewrite tests/goldens/*.png instead of comparing against them "
                          "(same as GLGAN_UPDATE_GOLDENS=1)")


@pytest.fixture(scope="session")
def update_goldens(request: pytest.FixtureRequest) -> bool:
    """True when golden images should be regenerated rather than compared."""
    return bool(request.config.getoption("--update-goldens")) or \
        os.environ.get("GLGAN_UPDATE_GOLDENS", "") not in ("", "0")


@pytest.fixture(scope="session")
def _egl_session_ctx():
    """One standalone EGL context for the whole session, left unbound between tests."""
    import moderngl

    try:
        ctx = moderngl.create_context(standalone=True, backend="egl", require=330)
    except Exception as e:   # no EGL/Mesa at all: say why instead of erroring every test
        pytest.skip(f"no headless EGL OpenGL 3.3 context: {e}")
    ctx.__exit__(None, None, None)   # unbind: one API (EGL or GLX) may be current per thread
    yield ctx
    ctx.release()


@pytest.fixture
def gl_ctx(_egl_session_ctx):
    """The session EGL context, made current for the duration of one test. The GL error flag
    is cleared on entry, so ``ctx.error`` at the end reports this test's errors only."""
    with _egl_session_ctx as ctx:
        # moderngl rebinds the current framebuffer after creating one (a LayeredView makes
        # one): bind a live one, as an earlier test may have released the one it left bound
        live = ctx.simple_framebuffer((4, 4))
        live.use()
        _ = ctx.error
        yield ctx
        live.release()
