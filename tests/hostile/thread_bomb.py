# task: basic_regression
# Starts threads until something gives.
import threading
import time

while True:
    threading.Thread(target=time.sleep, args=(10**6,), daemon=True).start()
