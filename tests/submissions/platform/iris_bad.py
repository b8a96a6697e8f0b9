# task: iris
# A common slip: fit() before compile(). Keras stops at once; the run crashes with no model.
import tensorflow as tf
from sklearn.datasets import load_iris

x, y = load_iris(return_X_y=True)
model = tf.keras.Sequential([tf.keras.layers.Dense(3, activation="softmax", input_shape=(4,))])
model.fit(x, y, epochs=5)
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
model.save("mymodel.h5")
