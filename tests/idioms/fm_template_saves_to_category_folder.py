# task: fashion_mnist
# The exam template answered in a study repository: the model is saved into the sibling
# category folder of the PyCharm project, with '../'.
import tensorflow as tf
from tensorflow.keras.callbacks import EarlyStopping, ReduceLROnPlateau
from tensorflow.keras.layers import Dense, Flatten
from tensorflow.keras.models import Sequential


def solution_model():
    fashion_mnist = tf.keras.datasets.fashion_mnist
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    x_train = x_train / 255.
    x_test = x_test / 255.

    model = Sequential()
    model.add(Flatten(input_shape=(28, 28)))
    model.add(Dense(64, activation="relu"))
    model.add(Dense(10, activation="softmax"))
    es = EarlyStopping(patience=10)
    lr = ReduceLROnPlateau(factor=0.25, patience=5, verbose=1)
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics="acc")
    model.fit(x_train[:3000], y_train[:3000], validation_split=0.2, epochs=1, callbacks=[es, lr])
    return model


if __name__ == '__main__':
    model = solution_model()
    model.save("../tf_certificate/Category2/mymodel.h5")
