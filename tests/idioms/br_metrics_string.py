# task: basic_regression
import numpy as np
import tensorflow as tf

xs = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0])
ys = np.array([-3.0, -1.0, 1.0, 3.0, 5.0, 7.0])

model = tf.keras.models.Sequential([tf.keras.layers.Dense(1, input_shape=(1,))])
# A single metric given as a string, not a list.
model.compile(optimizer="sgd", loss="mse", metrics="mae")
history = model.fit(xs, ys, epochs=400, verbose=0)
print("final mae", history.history["mae"][-1])
model.save("mymodel.h5")
