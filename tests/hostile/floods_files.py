# task: basic_regression
# 300,000 empty files: more files than a run may make.
import os

os.makedirs("flood", exist_ok=True)
for number in range(300_000):
    open(os.path.join("flood", f"{number}.txt"), "w").close()
