"""Command-line options shared by tests of the runner, output folders and faults."""

HAND_SET_START = "scenario.after=''"
"""A forward run starts from the situation file's hand-set values instead of replaying
its history run first (four fifths of a forward run's cost). For tests of what the
runner does with runs, where the start does not matter; tests/test_forward_start.py and
the engine and worker equality tests keep the replay."""
