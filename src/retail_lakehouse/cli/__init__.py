"""The ``retail`` command: one module per command, the command table in ``main``."""
