"""The demo hotkey pings: client 'client-hot' sends about 60% of all rows."""
ROWS = 6000
SEED = 42


def make(spark, rows: int = ROWS, seed: int = SEED):
    from dcs_engine.inputs.demo import build

    return build(spark, "hotkey", rows, seed)
