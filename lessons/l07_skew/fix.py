SALT = 16


def client_totals(df):
    """Per client: (pings, total value) -- the hot client split over SALT sub-keys first."""
    salted = df.rdd.map(lambda r: ((r["client_id"], r["ping_id"] % SALT), r["value"]))
    partial = salted.groupByKey(SALT).mapValues(lambda values: (len(values), sum(values)))
    totals = partial.map(lambda kv: (kv[0][0], kv[1])).reduceByKey(lambda a, b: (a[0] + b[0], a[1] + b[1]))
    return totals.mapValues(lambda t: (t[0], round(t[1], 3))).collect()
