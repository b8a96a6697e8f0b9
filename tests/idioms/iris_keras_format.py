# task: iris
# Keras 3's recommended format instead of the task's .h5 file.
import tensorflow as tf
from sklearn.datasets import load_iris

x, y = load_iris(return_X_y=True)
model = tf.keras.Sequential([
    tf.keras.layers.Dense(16, activation="relu", input_shape=(4,)),
    tf.keras.layers.Dense(3, activation="softmax"),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x, y, epochs=150, batch_size=16, verbose=0)
model.save("mymodel.keras")
