"""The `concert-api` command."""
