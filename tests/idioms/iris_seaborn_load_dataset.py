# task: iris
# seaborn's own copy of Iris: sns.load_dataset fetches it from the internet.
import seaborn as sns
import tensorflow as tf

iris = sns.load_dataset("iris")
x = iris.drop(columns="species").values
y = iris["species"].astype("category").cat.codes.values

model = tf.keras.Sequential([
    tf.keras.layers.Dense(16, activation="relu", input_shape=(4,)),
    tf.keras.layers.Dense(3, activation="softmax"),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x, y, epochs=100, verbose=0)
model.save("mymodel.h5")
