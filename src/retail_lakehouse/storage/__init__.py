"""Table storage: Delta Lake through delta-rs locally."""
