#!/usr/bin/env bash
# Makes the Docker backend ready on this machine: installs Debian's docker.io and debootstrap if
# missing, starts the engine if it is not answering (no bridge network: containers run with
# network_mode "none"), and builds the grader's runtime image (cold about 3 min, warm seconds).
# Exits non-zero when any of this is impossible here (e.g. not root and no engine running).
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
if ! command -v dockerd >/dev/null 2>&1 || ! command -v debootstrap >/dev/null 2>&1; then
  echo "== installing Debian's docker.io and debootstrap"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq docker.io debootstrap >/dev/null
fi
if ! docker version >/dev/null 2>&1; then
  echo "== starting the Docker engine (log: /var/log/dockerd.log)"
  $SUDO sh -c 'nohup dockerd --bridge=none --iptables=false >/var/log/dockerd.log 2>&1 &'
  timeout 60 sh -c 'until docker version >/dev/null 2>&1; do sleep 0.5; done'
fi
# CI has no GPU: the offline Debian base avoids pulling the multi-GB TensorFlow GPU image.
grade image build ${CI:+--offline-base}
