"""The demo telemetry pings: about 90% have no active_experiment_id (null)."""
ROWS = 3000
SEED = 42


def make(spark, rows: int = ROWS, seed: int = SEED):
    from dcs_engine.inputs.demo import build

    return build(spark, "telemetry", rows, seed)
