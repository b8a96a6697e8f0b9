# task: basic_regression
# Holds on to memory until the limit stops it.
hoard = []
while True:
    hoard.append(bytearray(64 * 2**20))
