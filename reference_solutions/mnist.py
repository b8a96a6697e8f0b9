# task: mnist
# Reference solution: a small CNN, written the way the course teaches (Keras 2 / tf.keras).
import tensorflow as tf
from tensorflow.keras.callbacks import ModelCheckpoint


def solution_model():
    mnist = tf.keras.datasets.mnist
    (x_train, y_train), (x_valid, y_valid) = mnist.load_data()

    # Normalise: pixels 0~255 -> 0~1.
    x_train = x_train / 255.0
    x_valid = x_valid / 255.0

    model = tf.keras.models.Sequential([
        # (28, 28) in, like Flatten(input_shape=(28, 28)); Conv2D wants a channel axis.
        tf.keras.layers.Reshape((28, 28, 1), input_shape=(28, 28)),
        tf.keras.layers.Conv2D(32, (3, 3), activation='relu'),
        tf.keras.layers.MaxPooling2D(2, 2),
        tf.keras.layers.Conv2D(64, (3, 3), activation='relu'),
        tf.keras.layers.MaxPooling2D(2, 2),
        tf.keras.layers.Flatten(),
        tf.keras.layers.Dense(128, activation='relu'),
        tf.keras.layers.Dropout(0.3),
        # 10 digits -> Dense(10, softmax) with sparse_categorical_crossentropy (integer labels).
        tf.keras.layers.Dense(10, activation='softmax'),
    ])
    model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['acc'])

    checkpoint_path = "my_checkpoint.ckpt"
    checkpoint = ModelCheckpoint(filepath=checkpoint_path,
                                 save_weights_only=True,
                                 save_best_only=True,
                                 monitor='val_loss',
                                 verbose=1)
    model.fit(x_train, y_train,
              validation_data=(x_valid, y_valid),
              epochs=2,  # 60,000 images a pass: the 5,000-digit subset repeats its training digits
              batch_size=64,
              callbacks=[checkpoint])
    # Keep the best epoch (lowest val_loss), not the last one.
    model.load_weights(checkpoint_path)
    return model


if __name__ == "__main__":
    model = solution_model()
    model.save("mymodel.h5")
