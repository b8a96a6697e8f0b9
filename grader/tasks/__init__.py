"""Stage 1, the spec: `spec.py` loads and validates `tasks/*.toml`; `choice.py` decides which task
a hand-in is for."""
