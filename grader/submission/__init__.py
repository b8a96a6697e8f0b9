"""Stage 2, the hand-in: a script, notebook, model file, folder or zip turned into a workspace the
sandbox can run."""
