#!/usr/bin/env bash
# Installs the grader, its pinned dependencies and the task's data on the grading machine.
# Gradescope runs it once, as root, when it builds the autograder's image
# (https://gradescope-autograders.readthedocs.io/en/latest/specs/); PrairieLearn's image build
# (image/Dockerfile of `grade prairielearn`) runs it the same way.
#
# Two modes, chosen by what the bundle holds:
#   wheels/ present (made with --offline): no registry is asked; every wheel is in the bundle.
#   no wheels/: pip installs the pinned versions from the registry it is configured for (PyPI).
# GRADER_PYTHON chooses the interpreter (Python 3.11 or newer); GRADER_ENV the virtual
# environment made when that interpreter is not in one already.
set -euo pipefail
cd "$(dirname "$0")"
SOURCE="$PWD"

python_ok() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; }
PYTHON="${GRADER_PYTHON:-}"
if [ -z "$PYTHON" ]; then
  for candidate in python3.11 python3.12 python3.13 python3; do
    if command -v "$candidate" >/dev/null && python_ok "$candidate"; then
      PYTHON="$(command -v "$candidate")"; break
    fi
  done
fi
if [ -z "$PYTHON" ] && [ ! -d wheels ] && command -v apt-get >/dev/null; then
  # Gradescope's Ubuntu 22.04 image has Python 3.10; its 3.11 comes from the archive.
  apt-get install -y python3.11 python3.11-venv
  PYTHON="$(command -v python3.11)"
fi
if [ -z "$PYTHON" ]; then
  echo "setup.sh: the grader needs Python 3.11 or newer (set GRADER_PYTHON)" >&2
  exit 1
fi
if [ -d wheels ] && ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
  echo "setup.sh: this offline bundle's wheels are for CPython 3.11; $PYTHON is not (set GRADER_PYTHON)" >&2
  exit 1
fi
# Already in a virtual environment (the grader's runtime image: TensorFlow is there): install
# into it. Otherwise a new one, so the system's Python stays as the platform made it.
if ! "$PYTHON" -c 'import sys; sys.exit(sys.prefix == sys.base_prefix)'; then
  ENV_DIR="${GRADER_ENV:-$(dirname "$SOURCE")/grader-env}"
  "$PYTHON" -m venv "$ENV_DIR"
  PYTHON="$ENV_DIR/bin/python"
fi
echo "setup.sh: installing into $("$PYTHON" -c 'import sys; print(sys.prefix)') ($([ -d wheels ] && echo 'offline, from the bundle' || echo 'from the registry'))"

pip_install() {
  if [ -d wheels ]; then
    "$PYTHON" -m pip install -q --disable-pip-version-check --no-index --find-links wheels "$@"
  else
    "$PYTHON" -m pip install -q --disable-pip-version-check "$@"
  fi
}
pip_install -r requirements.txt
pip_install --no-deps -r requirements-no-deps.txt
# The bundle's own grader replaces any other version (the runtime image has one).
pip_install --no-deps --force-reinstall ./grader-*.whl
"$PYTHON" -m grader.deploy.package install-data data
# The installed copies are hidden from every run by the sandbox; this one would not be.
rm -rf data
echo "$PYTHON" > "$SOURCE/python-path"
"$PYTHON" -c "import grader.deploy.gradescope, tensorflow, tf_keras, jinja2; print('setup.sh: grader ready')"
