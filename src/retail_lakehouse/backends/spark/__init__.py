"""The Spark backend: generation through mapInArrow and the pipeline in Spark SQL.

Nothing here imports PySpark at module import time beyond type checking; the modules that
need it import it when they are used, so the rest of the package never requires it.
"""
