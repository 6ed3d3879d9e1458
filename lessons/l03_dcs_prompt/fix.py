def is_e10s_experiment(row):
    if row['active_experiment_id'] is None:
        return False
    return row['active_experiment_id'].startswith('e10s')
