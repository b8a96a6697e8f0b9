# task: sunspots
# The exam's category 5 template answered the way the course's time-series lessons write models:
# a Lambda layer that adds the channel axis to flat windows, and a Lambda layer that scales the
# output up (`x * 400`). Kept small for the tests: one Conv1D and a Dense read-out over the
# flattened window, trained for a minute on 2 cores.
import csv
import urllib

import numpy as np
import tensorflow as tf


def windowed_dataset(series, window_size, batch_size, shuffle_buffer):
    # The course's windows: 30 months in, the next month out (no channel axis: the Lambda adds it).
    ds = tf.data.Dataset.from_tensor_slices(series)
    ds = ds.window(window_size + 1, shift=1, drop_remainder=True)
    ds = ds.flat_map(lambda w: w.batch(window_size + 1))
    ds = ds.shuffle(shuffle_buffer)
    ds = ds.map(lambda w: (w[:-1], w[-1:]))
    return ds.batch(batch_size).prefetch(1)


def solution_model():
    url = 'https://storage.googleapis.com/download.tensorflow.org/data/Sunspots.csv'
    urllib.request.urlretrieve(url, 'sunspots.csv')

    sunspots = []
    with open('sunspots.csv') as csvfile:
        reader = csv.reader(csvfile, delimiter=',')
        next(reader)
        for row in reader:
            sunspots.append(float(row[2]))

    series = np.array(sunspots, dtype=np.float32)
    min = np.min(series)
    max = np.max(series)
    series -= min
    series /= max

    window_size = 30
    train_set = windowed_dataset(series, window_size=window_size, batch_size=32, shuffle_buffer=1000)

    model = tf.keras.models.Sequential([
        tf.keras.layers.Lambda(lambda x: tf.expand_dims(x, axis=-1), input_shape=[window_size]),
        tf.keras.layers.Conv1D(filters=16, kernel_size=5, padding="causal", activation="relu"),
        tf.keras.layers.Flatten(),
        # Starts at zero: with the x * 400 below, a random start would be far off the scale.
        tf.keras.layers.Dense(1, kernel_initializer="zeros"),
        tf.keras.layers.Lambda(lambda x: x * 400),
    ])
    model.compile(loss="mae", optimizer=tf.keras.optimizers.Adam(learning_rate=1e-5), metrics=["mae"])
    model.fit(train_set, epochs=80, verbose=2)
    return model


if __name__ == '__main__':
    model = solution_model()
    model.save("mymodel.h5")
