def extract_and_transform(d):
    value = d['field']
    return float(value)
