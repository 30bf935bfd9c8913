"""The `shturman` command line."""
