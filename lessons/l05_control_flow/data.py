"""The demo nested pings (payload.info counters and ids, meta.reason); ~12% have payload.info = null."""
ROWS = 2400
SEED = 42


def make(spark, rows: int = ROWS, seed: int = SEED):
    from dcs_engine.inputs.demo import build

    return build(spark, "pings", rows, seed)
