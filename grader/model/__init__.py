"""Stage 4, the model file read without running it: `inspector.py` (in a child process),
`records.py` (the file's JSON), `architecture.py`, `compile_settings.py`, Keras names and
losses."""
