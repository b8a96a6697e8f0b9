# task: basic_regression
# The course's hello world, written against standalone `import keras` as many notes do.
import numpy as np
import keras

model = keras.Sequential([keras.layers.Dense(units=1, input_shape=[1])])
model.compile(optimizer=keras.optimizers.SGD(), loss=keras.losses.mean_squared_error)

xs = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0], dtype=float)
ys = np.array([-3.0, -1.0, 1.0, 3.0, 5.0, 7.0], dtype=float)
model.fit(xs, ys, epochs=400, verbose=0)
print(model.predict(np.array([10.0])))
model.save("mymodel.h5")
