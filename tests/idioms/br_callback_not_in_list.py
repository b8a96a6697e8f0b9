# task: basic_regression
# Coursera-style custom callback, handed to fit without a list around it.
import numpy as np
import tensorflow as tf


class StopWhenGood(tf.keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if logs.get("loss") < 1e-4:
            print("\nLoss is low enough, stopping.")
            self.model.stop_training = True


cb = StopWhenGood()
xs = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0])
ys = np.array([-3.0, -1.0, 1.0, 3.0, 5.0, 7.0])
model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=[1])])
model.compile(optimizer="sgd", loss="mean_squared_error")
model.fit(xs, ys, epochs=1000, verbose=0, callbacks=cb)
model.save("mymodel.h5")
