"""One module per technique; each defines ``TECHNIQUE`` (see dcs_engine.registry)."""
