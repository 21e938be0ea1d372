"""The ml tests use the shared fixtures `trained_dir` and `trained_env` from tests/conftest.py."""
