# task: basic_regression
import numpy as np

xs = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0]
ys = 2 * xs - 1
