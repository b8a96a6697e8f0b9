# task: basic_regression
# Allocates until something stops it: the grader must, at the memory limit.
hoard = []
while True:
    hoard.append(bytearray(64 * 2**20))
