"""A class at a time: discovery, the content-keyed results store, threads and warm workers, one
sandbox for the whole batch."""
