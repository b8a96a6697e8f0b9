# task: mnist
# Augmentation through the old standalone keras_preprocessing package.
import numpy as np
import tensorflow as tf
from keras_preprocessing.image import ImageDataGenerator

(x_train, y_train), (x_test, y_test) = tf.keras.datasets.mnist.load_data()
x_train = np.expand_dims(x_train, -1)
gen = ImageDataGenerator(rescale=1 / 255., rotation_range=10)

model = tf.keras.Sequential([
    tf.keras.layers.Flatten(input_shape=(28, 28, 1)),
    tf.keras.layers.Dense(64, activation="relu"),
    tf.keras.layers.Dense(10, activation="softmax"),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(gen.flow(x_train[:3000], y_train[:3000], batch_size=32), epochs=1, verbose=2)
model.save("mymodel.h5")
