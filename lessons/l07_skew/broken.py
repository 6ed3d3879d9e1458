def client_totals(df):
    """Per client: (pings, total value)."""
    by_client = df.rdd.map(lambda r: (r["client_id"], r["value"])).groupByKey()   # all of a client's values in one task
    return by_client.mapValues(lambda values: (len(values), round(sum(values), 3))).collect()
