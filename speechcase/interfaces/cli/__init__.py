"""``speechcase``: the command line, one module per group of commands over the library."""
