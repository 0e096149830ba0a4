"""Developer tools outside the installed package: vocabulary extraction, mutation testing."""
