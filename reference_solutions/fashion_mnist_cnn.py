# task: fashion_mnist_cnn
# Reference solution: a small CNN on (28, 28, 1) images, written the way the course teaches
# (Keras 2 / tf.keras).
import tensorflow as tf
from tensorflow.keras.callbacks import ModelCheckpoint
from tensorflow.keras.layers import Conv2D, Dense, Dropout, Flatten, MaxPooling2D
from tensorflow.keras.models import Sequential


def solution_model():
    fashion_mnist = tf.keras.datasets.fashion_mnist
    (x_train, y_train), (x_valid, y_valid) = fashion_mnist.load_data()

    # Normalise: pixels 0~255 -> 0~1.
    x_train = x_train / 255.0
    x_valid = x_valid / 255.0

    # Conv2D wants a channel axis: (60000, 28, 28) -> (60000, 28, 28, 1), grayscale = 1 channel.
    x_train = x_train.reshape(-1, 28, 28, 1)
    x_valid = x_valid.reshape(-1, 28, 28, 1)

    model = Sequential([
        Conv2D(32, (3, 3), activation='relu', input_shape=(28, 28, 1)),
        MaxPooling2D(2, 2),
        Conv2D(64, (3, 3), activation='relu'),
        MaxPooling2D(2, 2),
        Flatten(),
        Dense(128, activation='relu'),
        Dropout(0.3),
        # 10 classes -> Dense(10, softmax) with sparse_categorical_crossentropy (integer labels).
        Dense(10, activation='softmax'),
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
              epochs=10,
              batch_size=128,
              callbacks=[checkpoint])
    # Keep the best epoch (lowest val_loss), not the last one.
    model.load_weights(checkpoint_path)
    return model


if __name__ == "__main__":
    model = solution_model()
    model.save("mymodel.h5")
