#!/usr/bin/env bash
# Create (or update) a hub user of the course.
#
#   sudo deploy/jupyterhub/add_user.sh profesor USER   # instructor: gets ~/redes-neuronales-keras
#   sudo deploy/jupyterhub/add_user.sh alumno USER     # student
#
# The unix password is read from the variable RNK_PASSWORD if set (otherwise set it with
# `passwd USER`). Idempotent: an existing account is only added to the group, and an
# instructor's existing course folder is updated (nbgrader_config.py, source/) without
# touching the gradebook, submissions or feedback.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
INSTRUCTOR_GROUP="${RNK_GRUPO_PROFESORES:-rnk-profesores}"
STUDENT_GROUP="${RNK_GRUPO_ALUMNOS:-rnk-alumnos}"
COURSE_DIR_NAME=redes-neuronales-keras

if [ $# -ne 2 ] || { [ "$1" != profesor ] && [ "$1" != alumno ]; }; then
    echo "Uso: $0 profesor|alumno USUARIO" >&2
    exit 2
fi
ROLE="$1"
USERNAME="$2"
[ "$(id -u)" = 0 ] || { echo "Ejecuta este script como root." >&2; exit 1; }

if [ "$ROLE" = profesor ]; then GROUP="$INSTRUCTOR_GROUP"; else GROUP="$STUDENT_GROUP"; fi
getent group "$GROUP" > /dev/null || groupadd "$GROUP"
if id -u "$USERNAME" > /dev/null 2>&1; then
    usermod -a -G "$GROUP" "$USERNAME"
else
    useradd --create-home --shell /bin/bash --groups "$GROUP" "$USERNAME"
fi
if [ -n "${RNK_PASSWORD:-}" ]; then
    echo "$USERNAME:$RNK_PASSWORD" | chpasswd
fi

HOME_DIR="$(getent passwd "$USERNAME" | cut -d: -f6)"
# Nobody else may read a home: students' work, and above all the instructor's
# source notebooks (solutions and hidden tests) and gradebook.
chmod 700 "$HOME_DIR"

if [ "$ROLE" = profesor ]; then
    COURSE="$HOME_DIR/$COURSE_DIR_NAME"
    install -d -o "$USERNAME" -g "$(id -gn "$USERNAME")" -m 700 "$COURSE"
    install -o "$USERNAME" -g "$(id -gn "$USERNAME")" -m 600 \
        "$REPO/nbgrader_config.py" "$COURSE/nbgrader_config.py"
    rm -rf "$COURSE/source.new"
    cp -r "$REPO/source" "$COURSE/source.new"
    find "$COURSE/source.new" \( -name .ipynb_checkpoints -o -name __pycache__ \) -prune \
        -exec rm -rf {} +
    rm -rf "$COURSE/source"
    mv "$COURSE/source.new" "$COURSE/source"
    chown -R "$USERNAME:$(id -gn "$USERNAME")" "$COURSE/source"
    echo "Profesor $USERNAME: curso en $COURSE"
else
    echo "Alumno $USERNAME"
fi
