"""The HTML run report: one offline file with the lineage graph, data quality and gold charts.

``build.build_report`` gathers what to show (from the event log, the pipeline definition,
the landing manifest and the gold tables) and writes ``report.html``. The chart and graph
libraries are imported only by the modules that draw, so importing this package is cheap.
"""

DEFAULT_RUNS = 10  # runs compared in the report
REPORT_FILE = "report.html"  # in the lakehouse folder
