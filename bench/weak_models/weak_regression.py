# task: basic_regression
# Deliberately weak (for bench/repeatability.py): 25 small SGD steps do not reach y = 2x - 1,
# so where training stops depends on the initial weights, that is on the seed.
import numpy as np
import tensorflow as tf

xs = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0], dtype=float)
ys = np.array([-3.0, -1.0, 1.0, 3.0, 5.0, 7.0], dtype=float)
model = tf.keras.models.Sequential([tf.keras.layers.Dense(1, input_shape=[1])])
model.compile(optimizer=tf.keras.optimizers.SGD(0.01), loss='mean_squared_error')
model.fit(xs, ys, epochs=25, verbose=0)
model.save('mymodel.h5')
