#!/usr/bin/env bash
# Installs what grader needs on a fresh Debian/Ubuntu machine with Python 3.11+.
# Idempotent: a second run only checks. No network beyond the package indexes is needed.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d /usr/share/datasets/fashion-mnist ] && [ ! -d "$HOME/.keras/datasets/fashion-mnist" ]; then
  if command -v apt-get >/dev/null 2>&1; then
    echo "== installing Debian's dataset-fashion-mnist (the official Fashion-MNIST files)"
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq dataset-fashion-mnist >/dev/null
  else
    echo "warning: no apt-get; run 'grade data fetch' on a machine with internet for Fashion-MNIST" >&2
  fi
fi

# The HTML reports are tested in a real browser: Debian's Chromium and its WebDriver.
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    echo "== installing Debian's chromium and chromium-driver (headless browser tests of the HTML reports)"
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
  else
    echo "warning: no apt-get; the HTML browser tests need chromium and chromedriver" >&2
  fi
fi

if ! python3 -c "import grader, tensorflow, tf_keras, pytest, hypothesis, docker, xmlschema, pandas, \
                 matplotlib, seaborn, scipy, tensorflow_datasets, jinja2, selenium, packaging, ray, psutil" >/dev/null 2>&1; then
  echo "== installing grader and its Python dependencies"
  python3 -m pip install -q --disable-pip-version-check -e '.[test,cluster]'
fi
python3 -m pip install -q --disable-pip-version-check --no-deps -e . >/dev/null
echo "== ready: $(python3 -c 'import tensorflow as tf; print("TensorFlow", tf.__version__)' 2>/dev/null)"
