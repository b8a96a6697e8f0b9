# task: basic_regression
# What course notebooks import besides TensorFlow, used the way they use it; then y = 2x - 1.
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import scipy.stats
import seaborn as sns
import tensorflow as tf
import tensorflow_datasets as tfds
from sklearn.model_selection import train_test_split

frame = pd.DataFrame({"x": [-1.0, 0.0, 1.0, 2.0, 3.0, 4.0]})
frame["y"] = 2 * frame["x"] - 1
print("pearson", round(scipy.stats.pearsonr(frame["x"], frame["y"])[0], 3))
train, test = train_test_split(frame, test_size=2, random_state=0)
sns.scatterplot(data=frame, x="x", y="y")
plt.plot(frame["x"], frame["y"])
plt.title("y = 2x - 1")
started = time.monotonic()
plt.show()  # the run has no display: returns at once
print(f"plt.show returned in {time.monotonic() - started:.1f} s")

started = time.monotonic()
try:
    tfds.load("mnist", split="train", as_supervised=True)
except Exception as error:
    print(f"tfds: {type(error).__name__}: {error} ({time.monotonic() - started:.1f} s)")

model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=[1])])
model.compile(optimizer="sgd", loss="mean_squared_error")
model.fit(frame["x"].to_numpy(), frame["y"].to_numpy(), epochs=500, verbose=0)
model.save("mymodel.h5")
