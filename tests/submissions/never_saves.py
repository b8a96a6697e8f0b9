# task: basic_regression
# Trains but forgets to save.
import numpy as np
import tensorflow as tf

xs = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0])
ys = 2 * xs - 1
model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=[1])])
model.compile(optimizer='sgd', loss='mse')
model.fit(xs, ys, epochs=5, verbose=0)
model.save_weights('weights_only.h5')
