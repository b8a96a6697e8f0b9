# task: basic_regression
# Saves a good model, then tries to kill its parent, its process group and everything it can.
import os
import signal

import numpy as np
import tensorflow as tf

xs = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0])
model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=[1])])
model.compile(optimizer="sgd", loss="mean_squared_error")
model.fit(xs, 2 * xs - 1, epochs=500, verbose=0)
model.save("mymodel.h5")
for target in (lambda: os.kill(os.getppid(), signal.SIGKILL),
               lambda: os.killpg(os.getpgrp(), signal.SIGKILL),
               lambda: os.kill(-1, signal.SIGKILL)):
    try:
        target()
    except OSError:
        pass
