# task: fashion_mnist
# 체크포인트: val_loss 기준으로 가장 좋은 가중치를 저장한 뒤 불러와서 모델을 저장합니다.
import tensorflow as tf
from tensorflow.keras.callbacks import ModelCheckpoint
from tensorflow.keras.layers import Dense, Flatten
from tensorflow.keras.models import Sequential

fashion_mnist = tf.keras.datasets.fashion_mnist
(x_train, y_train), (x_valid, y_valid) = fashion_mnist.load_data()
x_train = x_train / 255.0
x_valid = x_valid / 255.0

model = Sequential([
    Flatten(input_shape=(28, 28)),
    Dense(128, activation="relu"),
    Dense(10, activation="softmax"),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["acc"])

checkpoint_path = "my_checkpoint.ckpt"
checkpoint = ModelCheckpoint(filepath=checkpoint_path, save_weights_only=True, save_best_only=True,
                             monitor="val_loss", verbose=1)
model.fit(x_train[:3000], y_train[:3000], validation_data=(x_valid[:1000], y_valid[:1000]),
          epochs=1, callbacks=[checkpoint])
model.load_weights(checkpoint_path)
model.save("mymodel.h5")
