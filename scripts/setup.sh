#!/usr/bin/env bash
# One idempotent setup for `make lab`, `make test` and `make build`:
#   Chromium (browser tests) -> .venv (Python 3.11) -> torch -> npm packages -> front-end
#   build -> lenslab installed editable with its test extras -> Jupyter kernel and lab
#   extension pointing at this checkout.
# Each step checks whether its work is already done, so a second run takes seconds.
#
# torch: pip on this kind of machine takes torch/torchvision from local disk and is capped
# there (/etc/xdg/pip). Never let a later step resolve torch again: lenslab's own dependency
# is a floor (torch>=2.4) that the installed build satisfies. Use pip only (not uv/poetry).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

VENV="$ROOT/.venv"
PY="$VENV/bin/python"
STAMPS="$VENV/.lenslab-setup"
TORCH_SPEC=${LENSLAB_TORCH_SPEC:-"torch==2.14.1 torchvision==0.29.1"}
export PATH="$VENV/bin:$PATH"
export PIP_DISABLE_PIP_VERSION_CHECK=1

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

# Prints a hash of the given files (a missing file hashes as its name only).
files_hash() {
  local f
  for f in "$@"; do
    printf '%s\n' "$f"
    [[ -f "$f" ]] && cat "$f"
  done | sha256sum | cut -c1-16
}

# stamp_ok NAME VALUE: whether step NAME last finished with this VALUE.
stamp_ok() { [[ -f "$STAMPS/$1" && "$(cat "$STAMPS/$1")" == "$2" ]]; }
stamp_set() { mkdir -p "$STAMPS" && printf '%s' "$2" >"$STAMPS/$1"; }

# pip, without this machine's "WARNING: Location 'file:///opt/...' is ignored" noise
# (index folders named in pip's config that hold no such package). pip's status is kept.
pip_install() {
  "$PY" -m pip install -q "$@" 2>&1 | { grep -v "^WARNING: Location 'file://" || true; }
}

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

apt_install() {
  say "apt-get install $*"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# 1. System packages: Chromium for the browser test (never a downloaded browser), Node.js.
if [[ ! -x /usr/bin/chromium ]]; then
  apt_install chromium fonts-liberation
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  apt_install nodejs npm
fi

# 2. The virtual environment, with Python 3.11 (the Python torch's local wheels are built for).
if [[ ! -x "$PY" ]]; then
  PYTHON_BIN=$(command -v python3.11 || command -v python3)
  say "creating .venv with $PYTHON_BIN"
  "$PYTHON_BIN" -m venv "$VENV"
fi
# The repository's package.json says "type": "module"; node scripts shipped inside Python
# packages under .venv (jupyter_builder's yarn.js) are CommonJS. Stop the inheritance.
[[ -f "$VENV/package.json" ]] || printf '{"type": "commonjs"}\n' >"$VENV/package.json"

# 3. torch and torchvision, first and alone, so nothing else chooses a torch build.
if ! stamp_ok torch "$TORCH_SPEC"; then
  say "pip install $TORCH_SPEC (from local disk; several minutes on a new machine)"
  # shellcheck disable=SC2086  # TORCH_SPEC is a list of requirements
  pip_install $TORCH_SPEC
  stamp_set torch "$TORCH_SPEC"
fi

# 4. What the front-end build needs from Python (JupyterLab's `jupyter-builder`), and the
#    build backend, so that the editable install below can run without build isolation.
BUILD_DEPS='hatchling>=1.21 hatch-jupyter-builder>=0.8 jupyterlab>=4.0,<5'
if ! stamp_ok build-deps "$BUILD_DEPS"; then
  say "pip install build dependencies"
  # shellcheck disable=SC2086
  pip_install $BUILD_DEPS
  stamp_set build-deps "$BUILD_DEPS"
fi

# 5. npm packages, when package.json or the lockfile changed since the last install.
NPM_HASH=$(files_hash package.json package-lock.json)
if [[ ! -d node_modules ]] || ! stamp_ok npm "$NPM_HASH"; then
  if [[ -f package-lock.json ]]; then
    say "npm ci"
    npm ci --no-audit --no-fund --loglevel=error
  else
    say "npm install"
    npm install --no-audit --no-fund --loglevel=error
  fi
  stamp_set npm "$(files_hash package.json package-lock.json)"
fi

# 6. The front end: widget bundle (static/) and prebuilt lab extension. Both steps skip
#    work that is up to date; the lab extension build finds .venv's jupyter on PATH.
say "npm run build"
npm run --silent build

# 7. lenslab itself, editable, with its test extras. The hook's npm build is skipped: step 6
#    did it, and the hook would run `npm install`, which may rewrite the lockfile.
PIP_HASH=$(files_hash pyproject.toml)
HAS_LENSLAB='import importlib.util as u, sys; sys.exit(u.find_spec("lenslab") is None)'
if ! stamp_ok lenslab "$PIP_HASH" || ! "$PY" -c "$HAS_LENSLAB"; then
  say 'pip install -e ".[test]"'
  HATCH_JUPYTER_BUILDER_SKIP_NPM=1 pip_install --no-build-isolation -e ".[test]"
  stamp_set lenslab "$PIP_HASH"
fi

# 8. Point JupyterLab at this checkout's lab extension (like `jupyter labextension develop`),
#    so a rebuild shows up without reinstalling.
LAB_EXT="$VENV/share/jupyter/labextensions/lenslab"
if [[ "$(readlink "$LAB_EXT" 2>/dev/null || true)" != "$ROOT/python_pkg/lenslab/labextension" ]]; then
  say "linking the lab extension into .venv"
  mkdir -p "$(dirname "$LAB_EXT")"
  rm -rf "$LAB_EXT"
  ln -s "$ROOT/python_pkg/lenslab/labextension" "$LAB_EXT"
fi

# 9. A `python3` kernel spec that runs .venv's Python by absolute path (nbclient, JupyterLab).
KERNEL_JSON="$VENV/share/jupyter/kernels/python3/kernel.json"
if ! grep -qF "\"$PY\"" "$KERNEL_JSON" 2>/dev/null; then
  say "installing the python3 kernel spec into .venv"
  "$PY" -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (lenslab)" >/dev/null
fi

say "ready ($(node --version), $("$PY" --version), $(cat "$STAMPS/torch"))"
