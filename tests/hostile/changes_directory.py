# task: basic_regression
# Changes directory before saving, so the model ends up outside the workspace.
import os

os.chdir("/tmp")
import numpy as np
import tensorflow as tf

xs = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0])
model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=[1])])
model.compile(optimizer="sgd", loss="mean_squared_error")
model.fit(xs, 2 * xs - 1, epochs=50, verbose=0)
model.save("mymodel.h5")
