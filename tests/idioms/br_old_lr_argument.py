# task: basic_regression
# Keras 2 era optimizer argument `lr`.
import numpy as np
from tensorflow.keras import optimizers
from tensorflow.keras.layers import Dense
from tensorflow.keras.models import Sequential

xs = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0])
ys = np.array([-3.0, -1.0, 1.0, 3.0, 5.0, 7.0])
model = Sequential([Dense(1, input_shape=[1])])
model.compile(optimizer=optimizers.SGD(lr=0.01), loss="mean_squared_error")
model.fit(xs, ys, epochs=500, verbose=0)
model.save("mymodel.h5")
