"""The grader deployed where instructors already grade: a Gradescope autograder bundle
(`gradescope.py`) and a PrairieLearn externally graded question (`prairielearn.py`).

Both grade a hand-in exactly as `grade` does (`platform_run.py`: the same pipeline, the local
sandbox inside the platform's container) and write the platform's results file from the same
`Grade.to_dict()`. `package.py` carries what the platform's machine needs: the grader's own
wheel, its pinned dependencies (or their wheels, for a machine without a registry) and the task's
data files.
"""
