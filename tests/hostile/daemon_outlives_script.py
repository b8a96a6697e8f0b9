# task: basic_regression
# Saves a good model, then leaves a daemon behind that waits for the script's process to end and
# then overwrites the model with garbage. If the daemon outlived the run, the grader would find a
# broken model instead of this good one.
import os
import time

import numpy as np
import tensorflow as tf

xs = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0])
model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=[1])])
model.compile(optimizer="sgd", loss="mean_squared_error")
model.fit(xs, 2 * xs - 1, epochs=500, verbose=0)
model.save("mymodel.h5")
script = os.getpid()
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        while True:  # until the script's process is gone
            try:
                os.kill(script, 0)
            except ProcessLookupError:
                break
            time.sleep(0.02)
        for _ in range(600):
            with open("mymodel.h5", "wb") as model_file:
                model_file.write(b"overwritten by a daemon")
            time.sleep(0.1)
    os._exit(0)
