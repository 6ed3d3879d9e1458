def close_pairs(df):
    """Per client, the number of pairs of pings less than 60 s apart."""
    pings = df.rdd.map(lambda r: (r["client_id"], r["ping_id"], r["ts"]))
    pairs = pings.cartesian(pings)                 # every ping with every ping
    close = pairs.filter(lambda p: p[0][0] == p[1][0] and p[0][1] < p[1][1] and abs(p[0][2] - p[1][2]) < 60)
    return close.map(lambda p: (p[0][0], 1)).reduceByKey(lambda a, b: a + b).collect()
