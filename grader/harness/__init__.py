"""What runs inside the sandbox: `runner.py` runs the student's script offline under Keras 2 or 3,
`recording.py` records its training, `record.py` is the run record's format and its careful
reader."""
