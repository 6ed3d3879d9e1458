"""The text of my_local_utilities.py, the student's helper module that lives next to the driver only."""
NAME = "my_local_utilities"
SOURCE = '''\
def is_e10s_experiment(row):
    if row['active_experiment_id'] is None:
        return False
    return row['active_experiment_id'].startswith('e10s')
'''
