# task: basic_regression
# Starts processes that outlive the script: a detached one (new session) and a forked one.
import os
import subprocess
import sys

import numpy as np
import tensorflow as tf

MARKER = sys.argv[1] if len(sys.argv) > 1 else "grader-leftover-marker"
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", MARKER],
                 start_new_session=True)
if os.fork() == 0:
    os.setsid()
    os.execv(sys.executable, [sys.executable, "-c", "while True: pass", MARKER])

xs = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0])
model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=[1])])
model.compile(optimizer='sgd', loss='mse')
model.fit(xs, 2 * xs - 1, epochs=300, verbose=0)
model.save('mymodel.h5')
