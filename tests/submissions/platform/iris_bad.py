# task: iris
# Tries to read the hidden flowers where scikit-learn keeps them, then saves a model with one
# output unit for three classes: the grader must hide the file and fail the contract.
import os
import sklearn
import tensorflow as tf

hidden = os.path.join(os.path.dirname(sklearn.__file__), "datasets", "data", "iris.csv")
try:
    with open(hidden) as handle:
        print(f"bytes of the hidden data read: {len(handle.read())}")
except OSError as error:
    print(f"bytes of the hidden data read: 0 ({type(error).__name__})")
model = tf.keras.Sequential([tf.keras.layers.Dense(1, activation="sigmoid", input_shape=(4,))])
model.compile(optimizer="adam", loss="binary_crossentropy")
model.save("mymodel.h5")
