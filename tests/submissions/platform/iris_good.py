# task: iris
# A short, honest answer: load_iris(), a small dense network, saved as the task asks.
import tensorflow as tf
from sklearn.datasets import load_iris

x, y = load_iris(return_X_y=True)
model = tf.keras.Sequential([
    tf.keras.layers.Dense(16, activation="relu", input_shape=(4,)),
    tf.keras.layers.Dense(3, activation="softmax"),
])
model.compile(optimizer=tf.keras.optimizers.Adam(0.05), loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
model.fit(x, y, epochs=60, batch_size=16, verbose=0)
model.save("mymodel.h5")
