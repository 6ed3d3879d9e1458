"""divide_conquer: Divide and conquer (check associativity).

Declared here so the runbook can reference it; the app offers the snippet
until the engine function lands (``run`` is None).
"""
from ..registry import Technique

TECHNIQUE = Technique(
    id='divide_conquer',
    title='Divide and conquer (check associativity)',
    summary=('Only an associative (and commutative) combining function lets the work be split: data/2 then costs delay/4 for a quadratic step. Check it on your own values.'),
    snippet="import random\nvals = [r[0] for r in df.select('value').take(1000)]\nfor _ in range(200):\n    a, b, c = random.sample(vals, 3)\n    assert combine(combine(a, b), c) == combine(a, combine(b, c))\n    assert combine(a, b) == combine(b, a)\n",
    outcomes=('associative', 'not_associative'),
    run=None,
)
