"""Stage 5, judging: a finished run into a verdict (`run_verdicts.py`), a model file into a grade
(`grading.py`: `checks.py`, `evaluate.py` + `predict_worker.py`, `metrics.py`, `scoring.py`),
and advice from evidence (`feedback.py`)."""
