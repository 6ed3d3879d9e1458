"""naughty_rows: Filter for naughty rows (only bring me problems).

Declared here so the runbook can reference it; the app offers the snippet
until the engine function lands (``run`` is None).
"""
from ..registry import Technique

TECHNIQUE = Technique(
    id='naughty_rows',
    title='Filter for naughty rows (only bring me problems)',
    summary=('Run your row-level function on every row, keep only the rows that raise, and group them by exception signature. One bad row in a billion becomes a handful you can look at.'),
    snippet="def is_this_row_naughty(row):\n    try:\n        row['active_experiment_id'].startswith('e10s')   # your code here\n    except Exception:\n        return True\n    return False\n\nproblems = df.rdd.filter(is_this_row_naughty).take(10)\nfor row in problems:\n    print(row)\n",
    outcomes=('problems_found', 'no_problems'),
    run=None,
)
