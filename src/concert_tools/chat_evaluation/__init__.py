"""Evaluating the local assistant on a labelled test set that is not its training set."""
