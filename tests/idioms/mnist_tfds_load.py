# task: mnist
import tensorflow as tf
import tensorflow_datasets as tfds

ds_train = tfds.load("mnist", split="train", as_supervised=True)
ds_train = ds_train.map(lambda image, label: (tf.cast(image, tf.float32) / 255.0, label)).batch(64)

model = tf.keras.Sequential([
    tf.keras.layers.Flatten(input_shape=(28, 28, 1)),
    tf.keras.layers.Dense(64, activation="relu"),
    tf.keras.layers.Dense(10, activation="softmax"),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(ds_train.take(50), epochs=1)
model.save("mymodel.h5")
