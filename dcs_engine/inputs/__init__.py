"""The inputs: data sources, the user's code and the seeded demo data."""
