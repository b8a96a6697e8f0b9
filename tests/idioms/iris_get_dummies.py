# task: iris
import pandas as pd
from sklearn.datasets import load_iris
from keras.models import Sequential
from keras.layers import Dense

iris = load_iris()
X = iris.data
y = pd.get_dummies(iris.target).values.astype("float32")

clf = Sequential()
clf.add(Dense(16, input_dim=4, activation="relu"))
clf.add(Dense(3, activation="softmax"))
clf.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
clf.fit(X, y, epochs=150, batch_size=10, verbose=0)
clf.save("mymodel.h5")
