"""Stage 6, what people read: the terminal report, the class exports and copied-model fingerprints;
they read `grader.results` and never decide anything."""
