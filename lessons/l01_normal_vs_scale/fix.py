def extract_and_transform(d):
    value = d['field']
    if value is None:          # a record without a measurement stays without one
        return None
    return float(value)
