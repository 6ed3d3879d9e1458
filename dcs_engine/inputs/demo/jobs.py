"""Source text of demo jobs the app can prefill (each defines one function).

``ALL_PAIRS_JOB`` compares every ping of a client with every other ping of the
same client in Python: its cost is quadratic in rows per client, the talk's
"exponential behaviour".  ``LINEAR_JOB`` does a per-client aggregate whose
cost follows the data.  ``PER_KEY_FUNCTION`` is the per-key form used by the
repartition technique, ``MEAN_OF_TWO`` a combining function that is not
associative.
"""

ALL_PAIRS_JOB = '''\
import pandas as pd


def close_pairs(df):
    """Per client, count pairs of pings less than 60 s apart -- by comparing all pairs."""
    def per_client(pdf):
        ts = pdf["ts"].tolist()
        close = 0
        for i in range(len(ts)):
            a = ts[i]
            for j in range(i + 1, len(ts)):
                if abs(a - ts[j]) < 60:
                    close += 1
        return pd.DataFrame({"client_id": [pdf["client_id"].iloc[0]], "pings": [len(ts)],
                             "close_pairs": [close]})

    return df.groupBy("client_id").applyInPandas(
        per_client, "client_id string, pings long, close_pairs long")
'''

SELF_JOIN_JOB = '''\
def close_pairs_sql(df):
    """Per client, count pairs of pings less than 60 s apart, with a self-join on the client."""
    a = df.selectExpr("client_id", "ts as ts_a")
    b = df.selectExpr("client_id", "ts as ts_b")
    return (a.join(b, "client_id").where("abs(ts_a - ts_b) < 60")
             .groupBy("client_id").count())
'''

LINEAR_JOB = '''\
from pyspark.sql import functions as F


def per_client_totals(df):
    """Per client: pings, total and largest value -- one pass over the rows."""
    return df.groupBy("client_id").agg(F.count("*").alias("pings"), F.sum("value").alias("total"),
                                       F.max("value").alias("largest"))
'''

PER_KEY_FUNCTION = '''\
def close_pairs(key, rows):
    """All pings of one client: count pairs less than 60 s apart."""
    ts = sorted(r["ts"] for r in rows)
    close = 0
    for i in range(len(ts)):
        for j in range(i + 1, len(ts)):
            if ts[j] - ts[i] >= 60:
                break
            close += 1
    return (len(ts), close)
'''

MEAN_OF_TWO = '''\
def combine(a, b):
    """Merge two partial results by averaging them (a common mistake: not associative)."""
    return (a + b) / 2
'''

MAX_COMBINE = '''\
def combine(a, b):
    """Merge two partial results by keeping the larger (associative and commutative)."""
    return a if a >= b else b
'''
