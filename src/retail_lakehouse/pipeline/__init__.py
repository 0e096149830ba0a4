"""The pipeline: datasets and expectations, the graph, the runner and its commits, the event
log, and the engine port (``engine.py``) that the backends implement."""
