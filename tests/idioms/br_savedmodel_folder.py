# task: basic_regression
# TensorFlow 2's default format: a SavedModel folder, no .h5 extension.
import numpy as np
import tensorflow as tf

xs = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0])
ys = np.array([-3.0, -1.0, 1.0, 3.0, 5.0, 7.0])
model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=[1])])
model.compile(optimizer="sgd", loss="mse")
model.fit(xs, ys, epochs=400, verbose=0)
model.save("mymodel")
