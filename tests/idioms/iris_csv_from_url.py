# task: iris
import pandas as pd
import tensorflow as tf
from tensorflow.keras.utils import to_categorical

df = pd.read_csv("https://raw.githubusercontent.com/example/data/main/iris.csv")
df["species"] = df["species"].factorize()[0]
x = df.iloc[:, :4].values
y = to_categorical(df["species"])

model = tf.keras.Sequential([
    tf.keras.layers.Dense(16, activation="relu", input_shape=(4,)),
    tf.keras.layers.Dense(3, activation="softmax"),
])
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
model.fit(x, y, epochs=100, verbose=0)
model.save("mymodel.h5")
