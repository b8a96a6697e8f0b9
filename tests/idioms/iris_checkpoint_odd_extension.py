# task: iris
# A typo'd checkpoint extension: TensorFlow writes its own checkpoint format under that name.
import numpy as np
import tensorflow as tf
from sklearn.datasets import load_iris

x, y = load_iris(return_X_y=True)
order = np.random.permutation(len(x))
x, y = x[order], y[order]
model = tf.keras.Sequential([
    tf.keras.layers.Dense(32, activation="relu", input_shape=(4,)),
    tf.keras.layers.Dense(3, activation="softmax"),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["acc"])
ck = tf.keras.callbacks.ModelCheckpoint("asdf.ckpg", save_weights_only=True, save_best_only=True,
                                        monitor="val_loss")
model.fit(x, y, validation_split=0.2, epochs=150, batch_size=16, callbacks=[ck], verbose=0)
model.load_weights("asdf.ckpg")
model.save("mymodel.h5")
