# task: basic_regression
# Exam template answered in PyCharm on Windows: the save path is the project's absolute path.
import numpy as np
from tensorflow.keras.models import Sequential
from tensorflow.keras.layers import Dense
from tensorflow.keras.optimizers import Adam


def solution_model():
    xs = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0], dtype=float)
    ys = np.array([-3.0, -1.0, 1.0, 3.0, 5.0, 7.0], dtype=float)

    model = Sequential()
    model.add(Dense(8, input_dim=1))
    model.add(Dense(1))
    model.compile(loss="mse", optimizer=Adam(learning_rate=0.05))
    model.fit(xs, ys, epochs=300, verbose=0)
    print(model.predict([10.0]))
    return model


if __name__ == '__main__':
    model = solution_model()
    model.save("C:/Study/tf_certificate/Category1/mymodel.h5")
