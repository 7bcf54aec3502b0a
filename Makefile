# glgan: two commands set everything up on a fresh Debian machine.
#   make run   -> installs what is missing, then starts the visualizer
#   make test  -> installs what is missing, then runs ruff and the whole test suite
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
GL_PKGS := libegl1 libgl1 libgl1-mesa-dri xvfb xauth xdotool

comma := ,

.PHONY: run test lint bench sysdeps clean

sysdeps:
	@missing=""; for p in $(GL_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if ! command -v python3 >/dev/null || ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then missing="$$missing python3 python3-venv"; fi; \
	if [ -n "$$missing" ]; then \
	  if command -v apt-get >/dev/null; then \
	    echo "installing Debian packages:$$missing"; \
	    { $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	      $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; } || \
	      echo "warning: could not install$$missing; tests that need them will skip or fail"; \
	  else echo "missing system packages:$$missing (install them with your package manager)"; fi; \
	fi

# an NVIDIA driver's CUDA major version (empty without one): the GPU extra to install
CUDA_MAJOR := $(shell nvidia-smi 2>/dev/null | sed -n 's/.*CUDA Version: *\([0-9]*\).*/\1/p' | head -1)
CUDA_EXTRA := $(if $(filter 12,$(CUDA_MAJOR)),cuda12,$(if $(CUDA_MAJOR),cuda13,))

$(STAMP): pyproject.toml
	$(MAKE) sysdeps
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev$(if $(CUDA_EXTRA),$(comma)$(CUDA_EXTRA),)]"
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/glgan $(ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check glgan tests

test: $(STAMP) lint
	$(PY) -m pytest -q tests

bench: $(STAMP)
	$(VENV)/bin/glgan bench --json

clean:
	rm -rf $(VENV) build *.egg-info
