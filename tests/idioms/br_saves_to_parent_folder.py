# task: basic_regression
# The answer file sits in a scratch folder; the model goes to the exam's category folder.
import numpy as np
import tensorflow as tf


def solution_model():
    xs = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0], dtype=float)
    ys = np.array([-3.0, -1.0, 1.0, 3.0, 5.0, 7.0], dtype=float)
    model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=[1])])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(xs, ys, epochs=400, verbose=0)
    return model


if __name__ == '__main__':
    model = solution_model()
    model.save("../tf_certificate/Category1/mymodel.h5")
