#!/usr/bin/env bash
# Install (or refresh) the JupyterHub deployment of «Redes Neuronales con Python y Keras».
#
#   sudo deploy/jupyterhub/install.sh [--prefix /opt/redes-neuronales-keras]
#                                     [--exchange /srv/nbgrader/exchange]
#
# Idempotent. It creates, under PREFIX:
#   venv/              one environment for the hub, the user servers and the grading kernel,
#                      built with Debian's /usr/bin/python3 (readable by every user) and
#                      pinned by the repository's constraints.txt;
#   etc/comun/         nbgrader config every user reads (course id, exchange, timeout);
#   etc/alumno/        extra config for students: no formgrader, no "create assignment";
#   etc/profesor/      extra config for instructors: formgrader on their course folder;
#   jupyterhub_config.py  a copy of deploy/jupyterhub/jupyterhub_config.py.
# and the nbgrader exchange (mode 1777: every user may write, nobody may delete others' files).
#
# The heavy install is skipped when PREFIX/venv was built from the same constraints.txt and
# the same dependencies in pyproject.toml (stamp file); the course package `autograder` is
# reinstalled every time.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PREFIX=/opt/redes-neuronales-keras
EXCHANGE=/srv/nbgrader/exchange
PYTHON=/usr/bin/python3
# Course id and cell timeout come from the course's own nbgrader_config.py, never copied.
config_value() {
    sed -n "s/^$1 = \"\{0,1\}\([^\" ]*\)\"\{0,1\}.*/\1/p" "$REPO/nbgrader_config.py"
}
COURSE_ID="$(config_value COURSE_ID)"
CELL_TIMEOUT_S="$(config_value CELL_TIMEOUT_S)"
if [ -z "$COURSE_ID" ] || [ -z "$CELL_TIMEOUT_S" ]; then
    echo "No se pudo leer COURSE_ID o CELL_TIMEOUT_S de $REPO/nbgrader_config.py" >&2
    exit 1
fi
COURSE_DIR_NAME="$COURSE_ID"

while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) PREFIX="$2"; shift 2 ;;
        --exchange) EXCHANGE="$2"; shift 2 ;;
        --python) PYTHON="$2"; shift 2 ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        *) echo "Opción desconocida: $1" >&2; exit 2 ;;
    esac
done

if [ "$(id -u)" != 0 ]; then
    echo "Ejecuta este script como root (crea usuarios, carpetas compartidas y el entorno)." >&2
    exit 1
fi
if ! "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null; then
    echo "Falta el módulo venv de $PYTHON: apt-get install -y python3-venv" >&2
    exit 1
fi

# The grading sandbox: student code runs under bubblewrap, as the instructor, in user namespaces.
if ! command -v bwrap >/dev/null 2>&1; then
    echo "Instalando bubblewrap (aislamiento del código de los alumnos al calificar)..."
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q bubblewrap >/dev/null
fi
if ! runuser -u nobody -- bwrap --unshare-all --unshare-user --ro-bind / / true 2>/dev/null; then
    echo "AVISO: bubblewrap no puede crear espacios de nombres de usuario para un usuario sin" >&2
    echo "privilegios: los profesores no podrán calificar. Actívalos (Debian):" >&2
    echo "  sysctl -w kernel.unprivileged_userns_clone=1" >&2
    echo "(Ubuntu 24.04: sysctl -w kernel.apparmor_restrict_unprivileged_userns=0)" >&2
fi

umask 022
mkdir -p "$PREFIX"
chmod 755 "$PREFIX"
VENV="$PREFIX/venv"
STAMP="$VENV/.rnk-install-stamp"

# The course package, from a clean copy of the repository (no build files left in it).
STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
cp -r "$REPO/autograder" "$REPO/pyproject.toml" "$STAGE/"
if [ -f "$REPO/README.md" ]; then cp "$REPO/README.md" "$STAGE/"; else echo "#" > "$STAGE/README.md"; fi
find "$STAGE" -name __pycache__ -prune -exec rm -rf {} +

# What the environment is built from: the pins and the package's declared dependencies.
DEPS="$("$PYTHON" -c '
import sys, tomllib
project = tomllib.load(open(sys.argv[1], "rb"))["project"]
print(sorted(project.get("dependencies", [])), sorted(project.get("optional-dependencies", {}).items()))
' "$REPO/pyproject.toml")"
PINS="$(grep -v -E '^[[:space:]]*(#|$)' "$REPO/constraints.txt")"
WANT="$(printf '%s\n%s\n' "$PINS" "$DEPS" | sha256sum | cut -d' ' -f1) $PYTHON"

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ] && [ -x "$VENV/bin/jupyterhub" ]; then
    echo "Entorno $VENV al día (mismas versiones fijadas): solo se reinstala el paquete del curso."
    "$VENV/bin/pip" install --quiet --no-deps --force-reinstall -c "$REPO/constraints.txt" "$STAGE"
else
    echo "Creando el entorno $VENV con $PYTHON (unos minutos)..."
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
    # The grading environment: the course package with the notebooks' libraries, all pinned.
    "$VENV/bin/pip" install --quiet -c "$REPO/constraints.txt" \
        "$STAGE[course]" jupyterhub configurable-http-proxy jupyterlab-language-pack-es-es
    echo "$WANT" > "$STAMP"
fi
"$VENV/bin/python" -c 'import autograder, nbgrader, keras, jupyterhub' \
    || { echo "El entorno $VENV no importa los paquetes del curso." >&2; exit 1; }
chmod -R a+rX "$VENV"

# Shared nbgrader config, read by every user's server (JUPYTER_CONFIG_PATH, see the hub config).
mkdir -p "$PREFIX/etc/comun" "$PREFIX/etc/alumno/labconfig" "$PREFIX/etc/profesor"
cat > "$PREFIX/etc/comun/nbgrader_config.py" <<EOF
# Generated by deploy/jupyterhub/install.sh: every user of the hub reads it.
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "$COURSE_ID"
c.Exchange.root = "$EXCHANGE"
c.Exchange.timezone = "Europe/Madrid"
# Validate runs the whole notebook (Keras import + training): same limit as grading.
c.Execute.timeout = $CELL_TIMEOUT_S
EOF

# Students: the server extensions and Lab plugins of the instructor are off.
cat > "$PREFIX/etc/alumno/jupyter_server_config.json" <<'EOF'
{
  "ServerApp": {
    "jpserver_extensions": {
      "nbgrader.server_extensions.formgrader": false,
      "nbgrader.server_extensions.course_list": false
    }
  }
}
EOF
cat > "$PREFIX/etc/alumno/labconfig/page_config.json" <<'EOF'
{
  "disabledExtensions": {
    "@jupyter/nbgrader:formgrader": true,
    "@jupyter/nbgrader:create-assignment": true,
    "@jupyter/nbgrader:course-list": true
  }
}
EOF

# Instructors: formgrader and nbgrader commands work on ~/redes-neuronales-keras.
# JupyterHub forbids framing user servers (CSP frame-ancestors 'none'), but the formgrader
# is an iframe inside JupyterLab: instructors' servers allow framing by the same origin.
cat > "$PREFIX/etc/profesor/jupyter_server_config.json" <<'EOF'
{
  "ServerApp": {
    "tornado_settings": {
      "headers": {
        "Content-Security-Policy": "frame-ancestors 'self'"
      }
    }
  }
}
EOF
cat > "$PREFIX/etc/profesor/nbgrader_config.py" <<EOF
# Generated by deploy/jupyterhub/install.sh: read by instructors' servers only.
import os

c = get_config()  # noqa: F821
c.CourseDirectory.root = os.path.expanduser("~/$COURSE_DIR_NAME")
EOF

# JupyterLab defaults for everybody: no news pop-up, every cell rendered, Spanish interface
# (language pack jupyterlab-language-pack-es-es, pinned in constraints.txt).
mkdir -p "$VENV/share/jupyter/lab/settings"
cat > "$VENV/share/jupyter/lab/settings/overrides.json" <<'EOF'
{
  "@jupyterlab/apputils-extension:notification": {
    "fetchNews": "false",
    "checkForUpdates": false
  },
  "@jupyterlab/notebook-extension:tracker": {
    "windowingMode": "none"
  },
  "@jupyterlab/translation-extension:plugin": {
    "locale": "es_ES"
  }
}
EOF

# The exchange: world-writable with the sticky bit, as nbgrader expects.
mkdir -p "$EXCHANGE"
chmod 1777 "$EXCHANGE"

cp "$REPO/deploy/jupyterhub/jupyterhub_config.py" "$PREFIX/jupyterhub_config.py"
chmod -R a+rX "$PREFIX/etc" "$PREFIX/jupyterhub_config.py"
echo "Instalado en $PREFIX (intercambio: $EXCHANGE)."
