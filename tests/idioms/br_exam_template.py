# task: basic_regression
# ======================================================================
# Category 1: fit a model to the points below; the test infrastructure
# expects a model with an input shape of [1].
# ======================================================================
import numpy as np
import tensorflow as tf


def solution_model():
    xs = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0], dtype=float)
    ys = np.array([-3.0, -1.0, 1.0, 3.0, 5.0, 7.0], dtype=float)

    # YOUR CODE HERE
    model = tf.keras.Sequential([tf.keras.layers.Dense(units=1, input_shape=[1])])
    model.compile(optimizer="sgd", loss="mean_squared_error")
    model.fit(xs, ys, epochs=500, verbose=0)
    return model


if __name__ == '__main__':
    model = solution_model()
    model.save("mymodel.h5")
