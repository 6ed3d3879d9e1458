def close_pairs(df):
    """Per client, the number of pairs of pings less than 60 s apart -- compared within the client only."""
    def count_close(timestamps):
        ts = sorted(timestamps)
        close = 0
        for i in range(len(ts)):
            for j in range(i + 1, len(ts)):
                if ts[j] - ts[i] >= 60:
                    break
                close += 1
        return close

    by_client = df.rdd.map(lambda r: (r["client_id"], r["ts"])).groupByKey()   # one client's pings together
    counts = by_client.mapValues(count_close)
    return counts.filter(lambda kv: kv[1] > 0).collect()
