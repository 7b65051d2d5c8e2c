#!/usr/bin/env bash
# Creates .venv and installs the pinned dependencies when they are missing or changed.
# Sourced by grade.sh and test.sh; safe to run on its own: `bash setup.sh`.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="${VENV:-$REPO/.venv}"
PYTHON="${PYTHON:-python3}"

stamp_of() {
  cat "$REPO/constraints.txt" "$REPO/pyproject.toml" | sha256sum | cut -d' ' -f1
}

if ! "$PYTHON" -c 'import sys; sys.exit(not ((3, 10) <= sys.version_info[:2] <= (3, 13)))'; then
  echo "ERROR: se necesita Python 3.10–3.13 (TensorFlow 2.21); define PYTHON=/ruta/a/python3" >&2
  exit 2
fi
if [ ! -x "$VENV/bin/python" ]; then
  echo "Creando el entorno virtual en $VENV ..."
  "$PYTHON" -m venv "$VENV"
fi
if [ "$(cat "$VENV/.installed" 2>/dev/null)" != "$(stamp_of)" ]; then
  echo "Instalando las dependencias fijadas en constraints.txt (unos minutos la primera vez) ..."
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  "$VENV/bin/python" -m pip install --quiet -c "$REPO/constraints.txt" -e "$REPO[course,dev]"
  "$VENV/bin/python" -m pip check
  stamp_of > "$VENV/.installed"
fi
# The grading sandbox (autograder/grading/sandbox.py) runs student code under bubblewrap.
if ! command -v bwrap >/dev/null 2>&1 \
   && ! grep -Eq '^[[:space:]]*c\.Sandbox\.enabled[[:space:]]*=[[:space:]]*False' "$REPO/nbgrader_config.py"; then
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo -n"
  if command -v apt-get >/dev/null 2>&1 && { [ -z "$SUDO" ] || sudo -n true 2>/dev/null; }; then
    echo "Instalando bubblewrap (aislamiento del código de los alumnos al calificar) ..."
    $SUDO apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q bubblewrap >/dev/null
  else
    echo "ERROR: falta bubblewrap, con el que se aísla el código de los alumnos al calificar." >&2
    echo "Instálalo y vuelve a ejecutar: sudo apt-get install bubblewrap" >&2
    exit 2
  fi
fi
export PATH="$VENV/bin:$PATH"
export TF_CPP_MIN_LOG_LEVEL=2 TF_ENABLE_ONEDNN_OPTS=0
