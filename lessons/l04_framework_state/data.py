"""The demo telemetry pings (the talk's main_summary shape); the check distributes a sample of them."""
ROWS = 2000
SEED = 42


def make(spark, rows: int = ROWS, seed: int = SEED):
    from dcs_engine.inputs.demo import build

    return build(spark, "telemetry", rows, seed)
