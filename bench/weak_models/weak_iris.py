# task: iris
# Deliberately undertrained (for bench/repeatability.py): 15 epochs on raw measurements, no
# checkpoint, so the accuracy reached depends on the initial weights and the shuffling.
import tensorflow as tf
from sklearn.datasets import load_iris

iris = load_iris()
model = tf.keras.models.Sequential([
    tf.keras.layers.Dense(8, activation='relu', input_shape=(4,)),
    tf.keras.layers.Dense(3, activation='softmax'),
])
model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=0.01),
              loss='sparse_categorical_crossentropy', metrics=['acc'])
model.fit(iris.data, iris.target, epochs=15, batch_size=16, verbose=0)
model.save('mymodel.h5')
