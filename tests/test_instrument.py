"""The AST instrumenter, in plain Python: exact counts, same results, refusals."""
import copy
import functools
import random

import pytest

from dcs_engine.errors import UserCodeError
from dcs_engine.inputs.demo.datasets import to_sessions_demo as demo
from dcs_engine.inputs.usercode import from_code
from dcs_engine.techniques.branch_count import summarize
from dcs_engine.techniques.branch_count.instrument import instrument

SHAPES = '''\
def shapes(x):
    if x is None:
        return "none"
    if x < 0:
        kind = "neg"
    elif x == 0:
        kind = "zero"
    else:
        kind = "pos"
    try:
        inv = 1 / x
    except ZeroDivisionError:
        inv = None
    total = 0
    for i in range(x if x > 0 else 0):
        total += i
    big = "big" if x > 5 else "small"
    both = x > 2 and x % 2 == 0
    return (kind, inv, total, big, both)
'''

INPUTS = [None, -3, -1, 0, 1, 2, 3, 4, 6, 7, 8]


def by_label(inst, counts):
    return {(p.line, p.label): counts.get(p.id, 0) for p in inst.probes}


def test_exact_counts_on_every_kind_of_branch():
    inst = instrument(from_code(SHAPES, "shapes"))
    counts = inst.run_local(INPUTS)
    got = by_label(inst, counts)
    assert counts["calls"] == 11 and counts["raised"] == 0
    assert got[(1, "shapes() called")] == 11
    assert got[(2, "if x is None: true")] == 1
    assert got[(2, "if x is None: false (no else)")] == 10
    assert got[(4, "if x < 0: true")] == 2
    assert got[(4, "if x < 0: false → elif (line 6)")] == 8
    assert got[(6, "if x == 0: true")] == 1
    assert got[(6, "if x == 0: false → else")] == 7
    assert got[(10, "try: body entered")] == 10
    assert got[(10, "try: body ran to its end")] == 9
    assert got[(12, "except ZeroDivisionError")] == 1
    # loop: iterations = sum of x over positive inputs; skipped for -3, -1, 0
    assert got[(15, "for i in range(x if x > 0 else 0): body iterations")] == 1 + 2 + 3 + 4 + 6 + 7 + 8
    assert got[(15, "for i in range(x if x > 0 else 0): body never ran")] == 3
    assert got[(15, "… if x > 0 else …: true")] == 7
    assert got[(15, "… if x > 0 else …: false")] == 3
    assert got[(17, "… if x > 5 else …: true")] == 3
    assert got[(18, "and x % 2 == 0: evaluated")] == 5        # 3, 4, 6, 7, 8
    res = summarize(inst, counts)
    lines = {lc.line: lc for lc in res.lines}
    assert lines[3].hits == 1 and lines[5].hits == 2 and lines[9].hits == 7 and lines[8].hits == 7  # 'else:' line
    assert lines[13].hits == 1 and lines[14].hits == 10 and lines[16].hits == 31
    assert lines[13].percent == pytest.approx(10.0)
    assert {b.label: b.hits for b in res.branches if b.kind == "return"} == {"return at line 3": 1,
                                                                              "return at line 19": 10}
    # with no expectations, an except handler is expected rare: 1 of 10 = 10% is still fine
    assert res.outcome == "as_expected" and [c.line for c in res.checks] == [12]


def test_same_results_with_and_without_instrumentation():
    uf = from_code(SHAPES, "shapes")
    inst = instrument(uf)
    assert [inst.func(x) for x in INPUTS] == [uf.func(x) for x in INPUTS]


def _groups(n_clients=120, seed=5):
    rnd = random.Random(seed)
    groups = []
    for c in range(n_clients):
        pings = []
        for k in range(rnd.randint(1, 6)):
            info = None if rnd.random() < 0.15 else {
                "profileSubsessionCounter": k + 1 + (k > 2), "subsessionCounter": k % 3 + 1,
                "sessionId": f"s{k // 3}", "subsessionId": f"ss{k}", "previousSubsessionId": f"ss{k - 1}",
                "previousSessionId": f"s{k // 3 - 1}"}
            pings.append({"document_id": f"d{c:03d}{k}", "payload": {"info": info},
                          "meta": {"reason": rnd.choice(["shutdown", "daily"])}})
        groups.append((f"c{c}", pings))
    return groups


def test_to_sessions_demo_same_results_and_hand_counted_bad_pings():
    uf = from_code(demo.SOURCE, demo.FUNCTION)
    inst = instrument(uf)
    groups = _groups()
    plain = [uf.func(copy.deepcopy(g)) for g in groups]
    assert [inst.func(copy.deepcopy(g)) for g in groups] == plain
    counts = inst.run_local(copy.deepcopy(groups))
    # by hand: a client with a ping without info sorts it first, and every later ping is bad
    iterations = sum(len(p) - 1 for _, p in groups)
    bad = sum(len(p) - 1 for _, p in groups if any(x["payload"]["info"] is None for x in p))
    assert bad == sum(c["bad_pings"] for c in plain)
    res = summarize(inst, counts, "mark bad ping: rare")
    line = {lc.line: lc for lc in res.lines}
    bad_line = next(i for i, t in enumerate(demo.SOURCE.splitlines(), 1) if "mark bad ping" in t)
    assert line[bad_line].hits == bad and line[bad_line + 1].hits == bad
    assert line[bad_line].percent == pytest.approx(100 * bad / iterations)
    assert res.outcome == "surprise" and res.checks[0].line == bad_line and not res.checks[0].ok


def test_nested_functions_lambdas_generators_and_wrapped_decorators_work():
    code = '''\
import functools

def twice(f):
    @functools.wraps(f)
    def wrapper(*a):
        return [f(*a), f(*a)]
    return wrapper

@twice
def deco(x):
    return x + 1 if x else 0

def gen(n):
    for i in range(n):
        if i % 2:
            yield i

def outer(xs):
    scale = 10
    def inner(v):
        return v * scale if v > 1 else -v
    key = lambda v: -v
    return sorted(map(inner, xs), key=key)
'''
    for name, args, expected in (("deco", [0, 1, 2], [[0, 0], [2, 2], [3, 3]]),
                                 ("outer", [[1, 2, 3]], None)):
        uf = from_code(code, name)
        inst = instrument(uf)
        outs = [inst.func(a) for a in args]
        assert outs == [uf.func(a) for a in args]
        if expected:
            assert outs == expected
    inst = instrument(from_code(code, "gen"))
    assert inst.generator and list(inst.func(5)) == [1, 3]
    counts = inst.run_local([5, 0])
    got = by_label(inst, counts)
    # a partition starts from zero: the list() call above is not counted
    assert got[(14, "for i in range(n): body iterations")] == 5
    assert got[(14, "for i in range(n): body never ran")] == 1
    assert got[(15, "if i % 2: true")] == 2 and got[(15, "if i % 2: false (no else)")] == 3
    inst = instrument(from_code(code, "outer"))
    counts = inst.run_local([[1, 2, 3]])
    got = by_label(inst, counts)
    assert got[(20, "outer.inner() called")] == 3
    assert got[(21, "… if v > 1 else …: true")] == 2


def make_closure():
    y = 3

    def add_y(x):
        return x + y
    return add_y


def test_closures_lambdas_globals_and_hiding_decorators_are_refused():
    with pytest.raises(UserCodeError) as e:
        instrument(make_closure())
    assert e.value.message == (
        "[DCS104] instrumenting 'add_y'; expected a plain top-level def function; found "
        "make_closure.<locals>.add_y, defined inside another function or class (variables from outside: y). "
        "Fix: move it to the top level of its module (pass outside values as arguments or globals)")
    assert (e.value.condition, dict(e.value.params)) == ("INSTRUMENT_REFUSED",
                                                         {"function": "add_y", "reason": "nested"})
    with pytest.raises(UserCodeError) as e:
        instrument(lambda row: row)
    assert "found a lambda" in e.value.message and e.value.params["reason"] == "lambda"
    code = "n = 0\ndef bump(x):\n    global n\n    n += 1\n    return x\n"
    with pytest.raises(UserCodeError) as e:
        instrument(from_code(code, "bump"))
    assert "found 'global n' at line 3" in e.value.message and e.value.params["reason"] == "global"
    code = "def hide(f):\n    def w(x):\n        return f(x)\n    return w\n\n@hide\ndef g(x):\n    return x\n"
    with pytest.raises(UserCodeError) as e:
        instrument(from_code(code, "g"))
    assert "defined inside another function" in e.value.message
    with pytest.raises(UserCodeError) as e:
        instrument(functools.partial(print))
    assert "found a partial" in e.value.message


def test_file_function_is_instrumented_without_touching_its_module(tmp_path):
    from dcs_engine.inputs.usercode import from_reference

    path = tmp_path / "branchy_mod.py"
    path.write_text("LIMIT = 2\n\ndef f(x):\n    if x > LIMIT:\n        return 'big'\n    return 'small'\n")
    uf = from_reference(f"{path}:f")
    inst = instrument(uf)
    counts = inst.run_local([1, 2, 3, 4, 5])
    assert by_label(inst, counts)[(4, "if x > LIMIT: true")] == 3
    assert "_dcs_hits" not in vars(__import__("branchy_mod"))
    assert inst.func.__code__.co_filename == str(path)
