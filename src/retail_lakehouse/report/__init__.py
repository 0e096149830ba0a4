"""The HTML run report: one offline file with the lineage graph, data quality and charts.

``build.build_report`` gathers what to show (from the event log, the pipeline definition,
and what the pipeline's settings name: the ground truth against the landing manifest, and
the charts of its tables) and writes the report. The chart and graph libraries are
imported only by the modules that draw, so importing this package is cheap.
"""

from retail_lakehouse.common.errors import InputError

DEFAULT_RUNS = 10  # updates compared in the report


class ReportError(InputError, ValueError):
    """The report cannot be built (nothing has run yet, a bad charts file): one line, exit 2."""
