# task: iris
import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
import tensorflow as tf
from sklearn.datasets import load_iris

iris = load_iris()
frame = pd.DataFrame(iris.data, columns=iris.feature_names)
frame["species"] = pd.Categorical.from_codes(iris.target, iris.target_names)
sns.pairplot(frame, hue="species")
plt.show()
sns.heatmap(frame.drop(columns="species").corr(), annot=True)
plt.show()

model = tf.keras.Sequential([
    tf.keras.layers.Dense(16, activation="relu", input_shape=(4,)),
    tf.keras.layers.Dense(3, activation="softmax"),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = model.fit(iris.data, iris.target, epochs=150, batch_size=16, verbose=0)
pd.DataFrame(history.history).plot()
plt.show()
model.save("mymodel.h5")
