# task: basic_regression
import tensorflow as tf

model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=[1])]
model.save("mymodel.h5")
