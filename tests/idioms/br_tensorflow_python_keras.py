# task: basic_regression
# IDE auto-import picked TensorFlow's private path.
import numpy as np
from tensorflow.python.keras.models import Sequential
from tensorflow.python.keras.layers import Dense

xs = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0])
ys = np.array([-3.0, -1.0, 1.0, 3.0, 5.0, 7.0])
model = Sequential([Dense(1, input_shape=[1])])
model.compile(optimizer="sgd", loss="mse")
model.fit(xs, ys, epochs=400, verbose=0)
model.save("mymodel.h5")
