# task: iris
# A study group's naming scheme for saved answers instead of the task's file name.
import tensorflow as tf
import tensorflow_datasets as tfds


def preprocess(data):
    return data["features"], tf.one_hot(data["label"], 3)


def solution_model():
    train = tfds.load("iris", split="train").map(preprocess).batch(10)
    model = tf.keras.Sequential([
        tf.keras.layers.Dense(32, activation="relu", input_shape=(4,)),
        tf.keras.layers.Dense(3, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["acc"])
    model.fit(train, epochs=100, verbose=0)
    return model


if __name__ == '__main__':
    model = solution_model()
    model.save("TF2-iris.h5")
