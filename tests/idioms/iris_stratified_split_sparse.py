# task: iris
from sklearn import datasets
from sklearn.model_selection import train_test_split
from tensorflow.keras.callbacks import EarlyStopping
from tensorflow.keras.layers import Dense
from tensorflow.keras.models import Sequential

iris = datasets.load_iris()
X_train, X_val, y_train, y_val = train_test_split(iris.data, iris.target, test_size=0.2,
                                                  random_state=0, stratify=iris.target)
model = Sequential()
model.add(Dense(16, activation="relu", input_dim=4))
model.add(Dense(3, activation="softmax"))
model.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
model.fit(X_train, y_train, epochs=200, batch_size=16, validation_data=(X_val, y_val), verbose=0,
          callbacks=[EarlyStopping(monitor="val_loss", patience=30, restore_best_weights=True)])
model.save("mymodel.h5")
