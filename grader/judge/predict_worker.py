"""A prediction worker: loads untrusted model files safely and predicts on inputs it is given.

Run as `python -m grader.judge.predict_worker`. It reads one JSON request per line on stdin and answers
one JSON line on stdout, so one warm process can score many models. It never sees labels: the
grader keeps them and computes every metric itself. Model files reach it only after the static
inspector has refused Lambda layers and custom objects, and Keras 3 loads them in safe mode.

    python -m grader.judge.predict_worker --request FILE [--allow-code]

answers one request read from FILE and exits: how a model is predicted inside a sandbox (see
`grader.judge.sandbox_predict`). Its paths are relative to the sandbox's data folder
($GRADER_STUDENT_DATA, read-only: the model and the inputs) and its outputs go to the working
directory. `--allow-code` loads a model whose Lambda layers hold Python code (safe mode off):
the grader passes it only to a run inside a sandbox, never to a worker on the host.

Every process prints {"ready": true} once its imports are done, before it reads any model.
Request:  {"model": PATH, "inputs": {"name": NPY_PATH, ...}, "out_dir": DIR}
Answer:   {"ok": true, "backend": "Keras 3.15.1", "fallback_reason": "", "outputs": {"name": NPY_PATH}}
     or   {"ok": false, "stage": "load" | "predict", "error": "..."}
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from pathlib import Path

PREDICT_CHUNK = 1024  # rows per call: small enough for a convnet's activations


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"[:500]


def load_model(path: str, allow_code: bool = False):
    """Keras 3 in safe mode; Keras 2 (tf-keras) only for the older files Keras 3 misreads.

    Some real Keras 2 files (standalone Keras 2.2.4 Conv2D stacks, Keras 2.13 Normalization layers)
    do not load in Keras 3; tf-keras reads them. The inspector has already refused any file that
    holds code, so the fallback runs none. `allow_code` (inside a sandbox only) loads Lambda
    layers: see `load_model_with_code`.
    """
    if allow_code:
        return load_model_with_code(path)
    import keras

    try:
        return keras.saving.load_model(path, compile=False, safe_mode=True), f"Keras {keras.__version__}", ""
    except Exception as keras3_error:  # noqa: BLE001 - any failure means "try the older reader"
        reason = _first_line(keras3_error)
        try:
            import tf_keras
        except ImportError:
            raise keras3_error from None
        try:
            model = tf_keras.models.load_model(path, compile=False)
        except Exception as keras2_error:  # noqa: BLE001
            raise RuntimeError(f"Keras 3: {reason}; Keras 2: {_first_line(keras2_error)}") from None
        return model, f"Keras {tf_keras.__version__} (tf-keras)", reason


def load_model_with_code(path: str):
    """A model whose Lambda layers hold Python code, read by the Keras that wrote it: an `.h5`
    by tf-keras (the course's Keras 2: its lambdas' `tf.` resolves there), a `.keras` archive by
    Keras 3 with safe mode off; the other Keras when the first fails."""
    import keras

    def keras3():
        return keras.saving.load_model(path, compile=False, safe_mode=False), f"Keras {keras.__version__}"

    def keras2():
        import tf_keras

        return tf_keras.models.load_model(path, compile=False, safe_mode=False), \
            f"Keras {tf_keras.__version__} (tf-keras)"

    first, second = (keras2, keras3) if str(path).endswith(".h5") else (keras3, keras2)
    try:
        return (*first(), "")
    except Exception as first_error:  # noqa: BLE001 - any failure means "try the other reader"
        reason = _first_line(first_error)
        try:
            # The report's note says Keras 3 could not read the file: only true in that order.
            return (*second(), reason if first is keras3 else "")
        except Exception as second_error:  # noqa: BLE001
            raise RuntimeError(f"{reason}; then {_first_line(second_error)}") from None


def predict(model, x):
    """The model's outputs, called eagerly in chunks: model.predict() would trace a new graph
    for every model, which costs more than the prediction itself when a batch scores hundreds.
    Every call gets the same shape: the first call with a new batch size builds its kernels
    (0.3-0.8 s for a small convnet), so a short last chunk is padded with zeros and cut off again."""
    import numpy as np

    chunks = []
    for start in range(0, len(x), PREDICT_CHUNK):
        part = x[start:start + PREDICT_CHUNK]
        rows = len(part)
        if start and rows < PREDICT_CHUNK:
            part = np.concatenate([part, np.zeros((PREDICT_CHUNK - rows, *part.shape[1:]), part.dtype)])
        y = model(part, training=False)
        if isinstance(y, (list, tuple)):
            y = y[0]
        chunks.append(np.asarray(y)[:rows])
    return np.concatenate(chunks)


def handle(request: dict, allow_code: bool = False) -> dict:
    import numpy as np

    try:
        model, backend, fallback_reason = load_model(request["model"], allow_code)
    except Exception as error:  # noqa: BLE001 - every failure becomes an answer
        return {"ok": False, "stage": "load", "error": _first_line(error)}
    outputs = {}
    try:
        for name, npy in request["inputs"].items():
            y = predict(model, np.load(npy, allow_pickle=False))
            out = Path(request["out_dir"]) / f"pred_{name}.npy"
            np.save(out, np.asarray(y, dtype=np.float32), allow_pickle=False)
            outputs[name] = str(out)
    except Exception as error:  # noqa: BLE001
        return {"ok": False, "stage": "predict", "error": _first_line(error)}
    return {"ok": True, "backend": backend, "fallback_reason": fallback_reason, "outputs": outputs}


def in_data_folder(request: dict) -> dict:
    """A sandboxed request's paths made absolute: the model and inputs in the data folder, the
    outputs in the working directory."""
    data = Path(os.environ.get("GRADER_STUDENT_DATA", "."))
    return {"model": str(data / request["model"]),
            "inputs": {name: str(data / npy) for name, npy in request["inputs"].items()},
            "out_dir": os.getcwd()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m grader.judge.predict_worker")
    parser.add_argument("--request", help="answer this one request (inside a sandbox) and exit")
    parser.add_argument("--allow-code", action="store_true", help="load Lambda layers (sandbox only)")
    args = parser.parse_args(argv)
    # Keras prints progress and warnings to stdout; keep stdout for answers only.
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    import keras  # noqa: F401 - pay the framework's start-up once, before the first request

    answers.write(json.dumps({"ready": True}) + "\n")
    if args.request:
        request = json.loads((Path(os.environ.get("GRADER_STUDENT_DATA", ".")) / args.request).read_text())
        answers.write(json.dumps(handle(in_data_folder(request), args.allow_code)) + "\n")
        return
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            answer = handle(json.loads(line))
        except Exception:  # noqa: BLE001 - a malformed request must not kill a warm worker
            answer = {"ok": False, "stage": "request", "error": traceback.format_exc(limit=1)}
        answers.write(json.dumps(answer) + "\n")


if __name__ == "__main__":
    # Set before Keras is imported, and only in the worker's own process (the grader imports
    # PREDICT_CHUNK from here): it loads with Keras 3 first.
    os.environ.pop("TF_USE_LEGACY_KERAS", None)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    main()
