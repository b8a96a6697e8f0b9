# task: basic_regression
# Fetches the training points from the course's site instead of typing them.
import urllib.request

import numpy as np
import tensorflow as tf

urllib.request.urlretrieve("https://example.com/course/points.csv", "points.csv")
data = np.loadtxt("points.csv", delimiter=",")
model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=[1])])
model.compile(optimizer="sgd", loss="mse")
model.fit(data[:, 0], data[:, 1], epochs=400, verbose=0)
model.save("mymodel.h5")
