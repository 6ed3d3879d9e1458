"""sample: Sample, stratified by a column.

Declared here so the runbook can reference it; the app offers the snippet
until the engine function lands (``run`` is None).
"""
from ..registry import Technique

TECHNIQUE = Technique(
    id='sample',
    title='Sample, stratified by a column',
    summary=('A sample answers questions about common values, not rare ones: 10% of a million rows estimates a 4:1 ratio well, 10% of ten rows says nothing. Stratify so rare categories survive.'),
    snippet="fractions = {k: 0.1 for k in ['a', 'b', 'c']}\nstrat = df.sampleBy('category', fractions=fractions, seed=7)\nstrat.groupBy('category').count().show()\n",
    outcomes=('reliable', 'too_small'),
    run=None,
)
