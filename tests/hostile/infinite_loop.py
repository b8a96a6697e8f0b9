# task: basic_regression
# Never ends: the wall-clock limit must stop it.
while True:
    pass
