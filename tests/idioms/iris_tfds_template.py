# task: iris
# The exam's Iris starter: tfds splits, a preprocess() for data.map, one-hot labels.
import tensorflow as tf
import tensorflow_datasets as tfds

train_dataset = tfds.load("iris", split="train[:80%]")
valid_dataset = tfds.load("iris", split="train[80%:]")


def preprocess(data):
    x = data["features"]
    y = tf.one_hot(data["label"], 3)
    return x, y


def solution_model():
    train_data = train_dataset.map(preprocess).batch(10)
    valid_data = valid_dataset.map(preprocess).batch(10)
    model = tf.keras.models.Sequential([
        tf.keras.layers.Dense(32, activation="relu", input_shape=(4,)),
        tf.keras.layers.Dense(16, activation="relu"),
        tf.keras.layers.Dense(3, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["acc"])
    model.fit(train_data, validation_data=valid_data, epochs=100, verbose=0)
    return model


if __name__ == '__main__':
    model = solution_model()
    model.save("mymodel.h5")
