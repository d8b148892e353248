"""The `parity` command line: one module per group of commands; app.py builds the app."""
