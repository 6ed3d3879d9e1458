def ratio_a_to_bc(df, fraction=0.1, seed=3):
    """The ratio of 'a' rows to 'b'-or-'c' rows, estimated from a 10% sample."""
    sample = df.sample(fraction=fraction, seed=seed).collect()
    a = sum(1 for r in sample if r['category'] == 'a')
    bc = sum(1 for r in sample if r['category'] in ('b', 'c'))
    return a / bc
