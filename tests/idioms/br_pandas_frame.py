# task: basic_regression
import pandas as pd
import tensorflow as tf

df = pd.DataFrame({"x": [-1.0, 0.0, 1.0, 2.0, 3.0, 4.0]})
df["y"] = 2 * df["x"] - 1
print(df.describe())

model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=[1])])
model.compile(optimizer="sgd", loss="mse")
model.fit(df["x"].values, df["y"].values, epochs=400, verbose=0)
model.save("mymodel.h5")
