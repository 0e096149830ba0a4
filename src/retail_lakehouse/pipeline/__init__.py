"""The pipeline model, Lakeflow SQL definitions, dependency graph, runner and event log."""
