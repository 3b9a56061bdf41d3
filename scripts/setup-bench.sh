#!/usr/bin/env bash
# The benchmark's environment, .venv-bench, made after scripts/setup.sh (idempotent: seconds
# when nothing changed). It holds TorchLens, the comparison in `make bench`, and nothing else:
# TorchLens is never a dependency of lenslab and never enters .venv.
#
# .venv-bench sees .venv's packages (torch, torchvision, transformers, lenslab editable)
# through a .pth file that adds .venv's site-packages as a site directory, so there is one
# torch. pip, capped on this machine by /etc/xdg/pip to the local torch, then finds torch
# already satisfied and installs only what TorchLens adds. pip only (not uv/poetry).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MAIN_PY="$ROOT/.venv/bin/python"
BENCH="$ROOT/.venv-bench"
PY="$BENCH/bin/python"
TORCHLENS_SPEC=${LENSLAB_TORCHLENS_SPEC:-torchlens}
export PIP_DISABLE_PIP_VERSION_CHECK=1

say() { printf '\033[1m[setup-bench]\033[0m %s\n' "$*"; }

[[ -x "$MAIN_PY" ]] || { echo "run scripts/setup.sh first (no .venv)" >&2; exit 1; }

if [[ ! -x "$PY" ]]; then
  say "creating .venv-bench"
  BASE=$("$MAIN_PY" -c 'import sys; print(sys._base_executable)')
  "$BASE" -m venv "$BENCH"
fi

MAIN_SITE=$("$MAIN_PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
BENCH_SITE=$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
LINK="$BENCH_SITE/zz_lenslab_main_venv.pth"
LINE="import site; site.addsitedir('$MAIN_SITE')"
if [[ "$(cat "$LINK" 2>/dev/null || true)" != "$LINE" ]]; then
  say "pointing .venv-bench at .venv's packages"
  printf '%s\n' "$LINE" >"$LINK"
fi

if ! "$PY" -c 'import importlib.util as u, sys; sys.exit(u.find_spec("torchlens") is None)'; then
  say "pip install $TORCHLENS_SPEC (into .venv-bench only)"
  # A failed install is not fatal: the benchmark's TorchLens rows then say why.
  "$PY" -m pip install -q "$TORCHLENS_SPEC" 2>&1 | { grep -v "^WARNING: Location 'file://" || true; } \
    || say "TorchLens could not be installed; its rows will say so"
fi

# The one torch must be .venv's: refuse to benchmark against a second copy.
"$PY" - "$MAIN_SITE" <<'EOF'
import sys, torch
if not torch.__file__.startswith(sys.argv[1]):
    sys.exit(f"[setup-bench] .venv-bench imports torch from {torch.__file__}, not .venv's")
EOF
say "ready (torch $("$PY" -c 'import torch; print(torch.__version__)'))"
