"""The demo categories: 'a' on 80% of rows, 'b' or 'c' on 20%, a rare 'r', and a 'converted' flag."""
ROWS = 100_000
SEED = 42


def make(spark, rows: int = ROWS, seed: int = SEED):
    from dcs_engine.inputs.demo import build

    return build(spark, "categories", rows, seed)
