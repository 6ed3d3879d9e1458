"""Extra seeded demo datasets, one module each; every module registers with
:func:`dcs_engine.inputs.demo.dataset`.  Discovered on first use of the demo registry."""
