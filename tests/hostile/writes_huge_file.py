# task: basic_regression
# Writes a 2 GB file (sparse, so it would cost no disk, but the size limit applies all the same).
with open("weights_backup.bin", "wb") as backup:
    backup.seek(2 * 2**30)
    backup.write(b"\0")
