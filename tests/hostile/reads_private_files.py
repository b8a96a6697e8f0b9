# task: basic_regression
# Looks for what a run must not read: the host's home folders, other runs' workspaces and, on
# the local backend, the grader's files beyond the packages the run imports (a container holds
# its own copy of the grader: there is nothing of the host's to find). Stops with ATTACK WORKED
# if any of it can be read, else trains and saves a good model.
import glob
import os

import grader
import numpy as np
import tensorflow as tf


def readable(path):
    try:
        with open(path, "rb") as handle:
            handle.read(1)
        return True
    except OSError:
        return False


wanted = ["/root/.bashrc", "/root/.profile", "/root/.gitconfig", "/root/.keras/keras.json",
          *glob.glob("/home/*/.*") + glob.glob("/home/*/*"),
          *glob.glob("/tmp/grader-*/**", recursive=True), *glob.glob("/tmp/pytest-of-*/**", recursive=True)]
if not os.path.exists("/.dockerenv"):
    checkout = os.path.dirname(os.path.dirname(grader.__file__))
    wanted += [os.path.join(checkout, "grader", "judge", "scoring.py"), os.path.join(checkout, "grader", "runs.py"),
               os.path.join(checkout, "pyproject.toml"), os.path.join(checkout, "tests", "hostile_corpus.py")]
mine = (os.path.realpath(os.getcwd()), os.path.realpath(os.environ["GRADER_STUDENT_DATA"]))
found = [path for path in wanted if os.path.isfile(path) and not os.path.realpath(path).startswith(mine)
         and readable(path)]
if found:
    raise SystemExit("ATTACK WORKED: read " + ", ".join(found[:5]))

xs = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0])
model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=[1])])
model.compile(optimizer="sgd", loss="mean_squared_error")
model.fit(xs, 2 * xs - 1, epochs=500, verbose=0)
model.save("mymodel.h5")
