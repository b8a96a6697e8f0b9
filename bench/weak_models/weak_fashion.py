# task: fashion_mnist
# Deliberately close to the pass mark (for bench/repeatability.py): a narrow network trained for
# two epochs lands near 86% accuracy, the edge between bands 3 and 4.
import tensorflow as tf

(x_train, y_train), (x_test, y_test) = tf.keras.datasets.fashion_mnist.load_data()
x_train = x_train / 255.0
model = tf.keras.models.Sequential([
    tf.keras.layers.Flatten(input_shape=(28, 28)),
    tf.keras.layers.Dense(32, activation='relu'),
    tf.keras.layers.Dense(10, activation='softmax'),
])
model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['acc'])
model.fit(x_train, y_train, epochs=2, batch_size=64, verbose=0)
model.save('mymodel.h5')
