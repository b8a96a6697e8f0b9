# task: fashion_mnist
# Hard-coded reshapes to (60000, 28, 28, 1) and (10000, 28, 28, 1), one-hot labels, a small CNN.
import numpy as np
from tensorflow.keras.datasets import fashion_mnist
from tensorflow.keras.layers import Conv2D, Dense, Flatten, MaxPooling2D
from tensorflow.keras.models import Sequential
from tensorflow.keras.utils import to_categorical

(x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
print(x_train.shape, x_test.shape)  # (60000, 28, 28) (10000, 28, 28)

x_train = x_train.reshape(60000, 28, 28, 1).astype("float32") / 255.
x_test = x_test.reshape(10000, 28, 28, 1).astype("float32") / 255.
y_train = to_categorical(y_train)
y_test = to_categorical(y_test)

model = Sequential()
model.add(Conv2D(8, (3, 3), activation="relu", input_shape=(28, 28, 1)))
model.add(MaxPooling2D())
model.add(Flatten())
model.add(Dense(10, activation="softmax"))
model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
# Kept short for the test suite: one epoch on a slice.
model.fit(x_train[:3000], y_train[:3000], epochs=1, batch_size=64, verbose=2)
loss, accuracy = model.evaluate(x_test[:1000], y_test[:1000], verbose=0)
print("loss :", loss, "accuracy :", accuracy)
model.save("mymodel.h5")
