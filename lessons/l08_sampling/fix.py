def ratio_a_to_bc(df, fraction=0.1, min_rows=30, seed=3):
    """The ratio of 'a' rows to 'b'-or-'c' rows, from a sample stratified by category."""
    sizes = {r['category']: r['count'] for r in df.groupBy('category').count().collect()}
    fractions = {c: min(1.0, max(fraction, min_rows / n)) for c, n in sizes.items()}
    sampled = df.sampleBy('category', fractions, seed).groupBy('category').count().collect()
    estimate = {r['category']: r['count'] / fractions[r['category']] for r in sampled}
    a = estimate.get('a', 0.0)
    bc = estimate.get('b', 0.0) + estimate.get('c', 0.0)
    return a / bc if bc else float('nan')
