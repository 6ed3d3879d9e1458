def is_e10s_experiment(row):
    return row['active_experiment_id'].startswith('e10s')
