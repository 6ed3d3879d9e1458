"""The runtime: Spark sessions (classic and Connect), jobs, metrics and counters."""
