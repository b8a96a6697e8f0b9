# task: fashion_mnist
# A quick Fashion-MNIST answer for the HTML report's tests: a small dense model trained on 6,000
# images for 4 epochs, keeping the best epoch the way the course teaches.
import tensorflow as tf
from tensorflow.keras.callbacks import ModelCheckpoint

(x_train, y_train), (x_valid, y_valid) = tf.keras.datasets.fashion_mnist.load_data()
x_train, y_train = x_train[:6000] / 255.0, y_train[:6000]
x_valid, y_valid = x_valid[:2000] / 255.0, y_valid[:2000]

model = tf.keras.models.Sequential([
    tf.keras.layers.Flatten(input_shape=(28, 28)),
    tf.keras.layers.Dense(64, activation='relu'),
    tf.keras.layers.Dense(10, activation='softmax'),
])
model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])
checkpoint = ModelCheckpoint("best.ckpt", save_weights_only=True, save_best_only=True, monitor='val_loss')
model.fit(x_train, y_train, validation_data=(x_valid, y_valid), epochs=4, batch_size=64,
          callbacks=[checkpoint], verbose=2)
model.load_weights("best.ckpt")
model.save("mymodel.h5")
