"""Python pipelines: the Databricks decorator API (``dp`` and the legacy ``dlt``), the
execution of a pipeline's ``.py`` files, and tracing what each dataset function reads."""
