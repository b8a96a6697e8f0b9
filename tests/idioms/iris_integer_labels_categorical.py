# task: iris
# Integer labels 0-2 with the one-hot loss: fit stops on the shape mismatch.
import tensorflow as tf
from sklearn.datasets import load_iris

iris = load_iris()
model = tf.keras.Sequential([
    tf.keras.layers.Dense(16, activation="relu", input_shape=(4,)),
    tf.keras.layers.Dense(3, activation="softmax"),
])
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
model.fit(iris.data, iris.target, epochs=50, verbose=0)
model.save("mymodel.h5")
