"""The base every layer stands on: the error hierarchy and the lakehouse layout."""
