# task: basic_regression
# Tries the internet: the grader has none, and must say so.
import urllib.request

with urllib.request.urlopen("https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz", timeout=5) as r:
    data = r.read()
