# task: basic_regression
# Answered with the points of another version of the question (y = x + 1), not this task's.
import numpy as np
from tensorflow.keras.models import Sequential
from tensorflow.keras.layers import Dense
from tensorflow.keras.optimizers import Adam


def solution_model():
    xs = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0], dtype=float)
    ys = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 5.0], dtype=float)
    model = Sequential()
    model.add(Dense(16, input_dim=1, activation="linear"))
    model.add(Dense(8))
    model.add(Dense(1))
    model.compile(loss="mse", optimizer=Adam(learning_rate=0.05))
    model.fit(xs, ys, epochs=200, verbose=0)
    return model


if __name__ == '__main__':
    model = solution_model()
    model.save("mymodel.h5")
