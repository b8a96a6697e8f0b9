# task: basic_regression
import numpy as np
import tensorflow as tf
from tensorflow.keras.callbacks import EarlyStopping

xs = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0])
ys = np.array([-3.0, -1.0, 1.0, 3.0, 5.0, 7.0])

model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=[1])])
model.compile(optimizer="sgd", loss="mse")
es = EarlyStopping(monitor="loss", patience=20, restore_best_weights=True)
model.fit(xs, ys, epochs=500, verbose=0, callbacks=[es])
model.save("mymodel.h5")
