# task: iris
# tf.keras for the model, standalone keras for the callbacks: one import each way.
import tensorflow as tf
from keras.callbacks import EarlyStopping, ModelCheckpoint
from sklearn.datasets import load_iris
from sklearn.model_selection import train_test_split

x, y = load_iris(return_X_y=True)
x_train, x_val, y_train, y_val = train_test_split(x, y, test_size=0.2, random_state=7, stratify=y)

model = tf.keras.Sequential([
    tf.keras.layers.Dense(32, activation="relu", input_shape=(4,)),
    tf.keras.layers.Dense(3, activation="softmax"),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["acc"])
callbacks = [ModelCheckpoint("best.h5", monitor="val_loss", save_best_only=True),
             EarlyStopping(monitor="val_loss", patience=40)]
model.fit(x_train, y_train, validation_data=(x_val, y_val), epochs=150, batch_size=16,
          callbacks=callbacks, verbose=0)
model = tf.keras.models.load_model("best.h5")
model.save("mymodel.h5")
