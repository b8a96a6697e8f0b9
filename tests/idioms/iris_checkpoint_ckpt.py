# task: iris
# The Korean bootcamp's checkpoint routine: best weights to my_checkpoint.ckpt, reloaded, saved.
import tensorflow as tf
from sklearn.datasets import load_iris
from sklearn.model_selection import train_test_split
from tensorflow.keras.callbacks import ModelCheckpoint

x, y = load_iris(return_X_y=True)
x_train, x_valid, y_train, y_valid = train_test_split(x, y, test_size=0.2, random_state=42, stratify=y)

model = tf.keras.Sequential([
    tf.keras.layers.Dense(32, activation="relu", input_shape=(4,)),
    tf.keras.layers.Dense(3, activation="softmax"),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["acc"])

checkpoint_path = "my_checkpoint.ckpt"
checkpoint = ModelCheckpoint(filepath=checkpoint_path, save_weights_only=True, save_best_only=True,
                             monitor="val_loss", verbose=0)
model.fit(x_train, y_train, validation_data=(x_valid, y_valid), epochs=150, batch_size=16,
          callbacks=[checkpoint], verbose=0)
model.load_weights(checkpoint_path)
model.save("mymodel.h5")
