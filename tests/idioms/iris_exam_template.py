# task: iris
import tensorflow as tf
from sklearn.datasets import load_iris


def solution_model():
    iris = load_iris()
    x, y = iris.data, iris.target

    # YOUR CODE HERE
    model = tf.keras.Sequential([
        tf.keras.layers.Dense(64, activation="relu", input_shape=(4,)),
        tf.keras.layers.Dense(32, activation="relu"),
        tf.keras.layers.Dense(3, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=100, batch_size=16, validation_split=0.1, verbose=0)
    return model


if __name__ == "__main__":
    model = solution_model()
    model.save("mymodel.h5")
