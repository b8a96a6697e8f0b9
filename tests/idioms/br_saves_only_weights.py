# task: basic_regression
import numpy as np
from tensorflow import keras

xs = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0])
ys = np.array([-3.0, -1.0, 1.0, 3.0, 5.0, 7.0])

model = keras.Sequential([keras.layers.Dense(1, input_shape=[1])])
model.compile(optimizer="sgd", loss="mse")
model.fit(xs, ys, epochs=400, verbose=0)
model.save_weights("w.h5")
print("saved!")
