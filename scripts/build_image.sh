#!/usr/bin/env bash
# Builds the grader's runtime image (see Dockerfile). Needs a running Docker engine and, on the
# host only, PyPI and the Debian mirror: nothing inside the build touches the network.
#
#   bash scripts/build_image.sh                  # -> grader-runtime:latest
#   BASE=grader-base:bookworm bash scripts/...   # choose the base image
#   OFFLINE_BASE=1 bash scripts/build_image.sh   # use the debootstrap base even if a registry answers
#   PREPARE_ONLY=1 bash scripts/build_image.sh   # stop before `docker build` (grader.sandbox.docker_image
#                                                # builds through the Docker SDK after this)
#   TAG=..., REFRESH_WHEELS=1 (download the wheels again)
#
# Steps, each skipped when its result is already there: the wheels (pip download for CPython 3.11,
# manylinux x86_64, the same on the host and in both bases), the project's own wheel, the base
# image (when BASE is not given: the official TensorFlow GPU image if it can be pulled, else Debian
# bookworm made with debootstrap, its root file system cached under build/), the image.
set -euo pipefail
cd "$(dirname "$0")/.."

TENSORFLOW_VERSION=2.21.0
GPU_BASE="tensorflow/tensorflow:${TENSORFLOW_VERSION}-gpu"
OFFLINE_BASE_TAG=grader-base:bookworm
TAG="${TAG:-grader-runtime:latest}"
BUILD=build
CONTEXT="$BUILD/docker-context"
# What the image installs (keep in step with pyproject.toml, minus what only the host needs:
# mlxtend, docker). tf-keras is fetched apart, without dependencies: it asks for the full "tensorflow".
REQUIREMENTS=("tensorflow-cpu==${TENSORFLOW_VERSION}" "h5py>=3.10" "numpy>=1.26" "nbformat>=5.9"
              "rich>=13" "scikit-learn>=1.3" "pandas>=2.0" "matplotlib>=3.7" "seaborn>=0.12"
              "scipy>=1.10" "tensorflow-datasets>=4.9")
# Dependencies PyPI has only as source (tensorflow-datasets needs promise): built into wheels on
# the host (pure Python), so the download below, binary only, finds them among the wheels.
SOURCE_ONLY=("promise")
# Wheels for glibc up to 2.35 (Ubuntu 22.04, the GPU base; bookworm has 2.36). pip does not widen
# a manylinux_2_35 tag to the older ones by itself, so each is listed.
PLATFORM=(--only-binary=:all: --implementation cp --python-version 3.11 --abi cp311
          --platform manylinux2014_x86_64)
for glibc_minor in $(seq 17 35); do PLATFORM+=(--platform "manylinux_2_${glibc_minor}_x86_64"); done

step_started=0
step() { step_started=${EPOCHREALTIME/./}; echo "== $*"; }
done_step() { local tenths=$(( (${EPOCHREALTIME/./} - step_started) / 100000 ));
              echo "   $((tenths / 10)).$((tenths % 10)) s"; }
pip_quiet() { python3 -m pip -q --disable-pip-version-check "$@"; }

if ! docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then
  echo "error: Docker engine not reachable; start it with" \
       "'dockerd --bridge=none --iptables=false >/var/log/dockerd.log 2>&1 &' (as root)" >&2
  exit 1
fi

mkdir -p "$CONTEXT/wheels" "$CONTEXT/project"
cp Dockerfile "$CONTEXT/Dockerfile"

step "wheels for the image -> $CONTEXT/wheels"
stamp="$CONTEXT/wheels/.requirements"  # what the wheels were downloaded for
wanted="${REQUIREMENTS[*]} tf-keras==${TENSORFLOW_VERSION} ${SOURCE_ONLY[*]} ${PLATFORM[*]}"
if [ "${REFRESH_WHEELS:-0}" = 1 ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
  pip_quiet wheel --no-deps -w "$CONTEXT/wheels" "${SOURCE_ONLY[@]}"
  pip_quiet download -d "$CONTEXT/wheels" --find-links "$CONTEXT/wheels" "${PLATFORM[@]}" "${REQUIREMENTS[@]}"
  pip_quiet download -d "$CONTEXT/wheels" "${PLATFORM[@]}" --no-deps "tf-keras==${TENSORFLOW_VERSION}"
  echo "$wanted" >"$stamp"
else
  echo "   already downloaded (REFRESH_WHEELS=1 to download again)"
fi
echo "   $(ls "$CONTEXT/wheels" | grep -c '\.whl$') wheels, $(du -sh "$CONTEXT/wheels" | cut -f1)"
done_step

step "the grader's own wheel -> $CONTEXT/project"
# Built from a copy (of what pyproject.toml packages; add files here if it comes to name more):
# setuptools would otherwise reuse whatever a past build left in ./build/lib.
# A fixed SOURCE_DATE_EPOCH makes the wheel the same bytes for the same code, so Docker's cache holds.
source_copy="$(mktemp -d)"
trap 'rm -rf "$source_copy"' EXIT
cp -r pyproject.toml grader "$source_copy/"
rm -f "$CONTEXT"/project/*.whl
SOURCE_DATE_EPOCH=315532800 pip_quiet wheel --no-deps "$source_copy" -w "$CONTEXT/project"
ls "$CONTEXT/project"
done_step

if [ -z "${BASE:-}" ]; then
  step "base image"
  if [ "${OFFLINE_BASE:-0}" != 1 ]; then
    if docker image inspect "$GPU_BASE" >/dev/null 2>&1 || docker pull -q "$GPU_BASE"; then
      BASE="$GPU_BASE"
    else
      echo "   cannot pull $GPU_BASE; using the offline base $OFFLINE_BASE_TAG (CPU only)"
    fi
  fi
  if [ -z "${BASE:-}" ]; then
    # To refresh it (security updates): docker rmi grader-base:bookworm; rm build/base/*.tar
    BASE="$OFFLINE_BASE_TAG"
    if ! docker image inspect "$BASE" >/dev/null 2>&1; then
      rootfs_tar="$BUILD/base/bookworm-minbase-python3.tar"
      if [ ! -f "$rootfs_tar" ]; then
        command -v debootstrap >/dev/null || { echo "error: apt-get install debootstrap" >&2; exit 1; }
        rootfs="$BUILD/base/rootfs"
        rm -rf "$rootfs"; mkdir -p "$rootfs"
        echo "   debootstrap bookworm (about a minute)"
        debootstrap_started=$SECONDS
        debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
          bookworm "$rootfs" http://deb.debian.org/debian >"$BUILD/base/debootstrap.log" 2>&1 \
          || { tail -20 "$BUILD/base/debootstrap.log" >&2; exit 1; }
        echo "   debootstrap: $((SECONDS - debootstrap_started)) s"
        rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
        tar --numeric-owner -C "$rootfs" -cf "$rootfs_tar.part" . && mv "$rootfs_tar.part" "$rootfs_tar"
        rm -rf "$rootfs"
      fi
      # An imported file system has no environment: give it the usual PATH and a UTF-8 locale.
      docker import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'ENV LANG=C.UTF-8' --change 'CMD ["python3"]' \
        "$rootfs_tar" "$BASE" >/dev/null
    fi
  fi
  echo "   $BASE ($(docker image inspect -f '{{.Size}}' "$BASE" | numfmt --to=iec))"
  done_step
fi

# The choice of base, for grader.sandbox.docker_image.build_image (which builds through the SDK).
printf 'BASE=%s\nTENSORFLOW_VERSION=%s\n' "$BASE" "$TENSORFLOW_VERSION" >"$BUILD/docker-build-args"
if [ "${PREPARE_ONLY:-0}" = 1 ]; then echo "== context ready in $SECONDS s"; exit 0; fi

step "docker build -t $TAG (BASE=$BASE)"
docker build --network none --build-arg "BASE=$BASE" \
  --build-arg "TENSORFLOW_VERSION=$TENSORFLOW_VERSION" -t "$TAG" "$CONTEXT"
echo "   $TAG $(docker image inspect -f '{{.Id}}' "$TAG" | cut -c8-19)," \
     "$(docker image inspect -f '{{.Size}}' "$TAG" | numfmt --to=iec)"
done_step
echo "== done in $SECONDS s"
