# task: iris
# Reference solution: a small dense network on the raw measurements (Keras 2 / tf.keras).
import tensorflow as tf
from sklearn.datasets import load_iris
from sklearn.model_selection import train_test_split
from tensorflow.keras.callbacks import ModelCheckpoint


def solution_model():
    iris = load_iris()
    x, y = iris.data, iris.target
    x_train, x_valid, y_train, y_valid = train_test_split(
        x, y, test_size=0.2, stratify=y, random_state=42)

    model = tf.keras.models.Sequential([
        # The four measurements as they are (cm): no scaling, as the grader feeds them.
        tf.keras.layers.Dense(16, activation='relu', input_shape=(4,)),
        tf.keras.layers.Dense(16, activation='relu'),
        # 3 species -> Dense(3, softmax) with sparse_categorical_crossentropy (integer labels).
        tf.keras.layers.Dense(3, activation='softmax'),
    ])
    model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=0.01),
                  loss='sparse_categorical_crossentropy', metrics=['acc'])

    checkpoint_path = "my_checkpoint.ckpt"
    checkpoint = ModelCheckpoint(filepath=checkpoint_path,
                                 save_weights_only=True,
                                 save_best_only=True,
                                 monitor='val_loss',
                                 verbose=0)
    model.fit(x_train, y_train,
              validation_data=(x_valid, y_valid),
              epochs=200,
              batch_size=16,
              verbose=0,
              callbacks=[checkpoint])
    # Keep the best epoch (lowest val_loss), not the last one.
    model.load_weights(checkpoint_path)
    return model


if __name__ == "__main__":
    model = solution_model()
    model.save("mymodel.h5")
