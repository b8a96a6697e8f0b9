# task: basic_regression
import numpy as np
import tensorflow as tf

xs = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0])
ys = np.array([-3.0, -1.0, 1.0, 3.0, 5.0, 7.0])

model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=[1])])
model.compile(optimizer="sgd", loss="mean_squared_error")
model.fit(xs, ys, epochs=400, verbose=0)

# Where the exam's PyCharm project lives on this student's laptop.
model.save(r"C:\Users\minji\PycharmProjects\tf_cert\Category1\mymodel.h5")
