# task: basic_regression
import numpy as np

xs = np.array([-1.0, 0.0, 1.0])
print(xs[10])
