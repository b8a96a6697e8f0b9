# task: basic_regression
# Tries to write where a run must not: the grader's code, the Python packages, system folders,
# the data store, the staged data. If any write works it stops with an error.
import os
import sysconfig

targets = ["/", "/etc", "/root", "/usr/share/datasets", "/usr/local/bin",
           sysconfig.get_paths()["purelib"], os.environ.get("GRADER_STUDENT_DATA", "/data")]
try:
    import grader
    targets.append(os.path.dirname(grader.__file__))
except Exception:
    pass
for folder in targets:
    try:
        with open(os.path.join(folder, "hostile-marker.txt"), "w") as marker:
            marker.write("a student's run wrote here")
    except OSError:
        continue
    raise SystemExit(f"ATTACK WORKED: wrote into {folder}")

import numpy as np
import tensorflow as tf

xs = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0])
model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=[1])])
model.compile(optimizer="sgd", loss="mean_squared_error")
model.fit(xs, 2 * xs - 1, epochs=500, verbose=0)
model.save("mymodel.h5")
