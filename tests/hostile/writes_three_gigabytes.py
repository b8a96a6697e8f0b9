# task: basic_regression
# Three 1 GiB files of real data (not sparse): more than the space a run may write.
block = bytes(64 * 2**20)
for number in range(3):
    with open(f"cache_{number}.bin", "wb") as cache:
        for _ in range(16):
            cache.write(block)
