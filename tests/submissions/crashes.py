# task: basic_regression
import numpy as np

xs = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0])
ys = np.array([-3.0, -1.0, 1.0])
if len(xs) != len(ys):
    raise ValueError(f"xs has {len(xs)} points but ys has {len(ys)}")
