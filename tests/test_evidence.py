"""The evidence report holds the path, answers, parameters, results and timings."""
from dcs_engine import evidence
from dcs_engine.techniques.take import TakeResult


def test_report_contents():
    res = TakeResult("demo", ("a", "b"), ("int", "string"), ((1, None), (2, "x|y")), "root\n |-- a: int", 10, 0.5,
                     "rows")
    entries = [evidence.step(None, "crash", "symptom", "Crash"),
               evidence.step("crash", "t_take", "Just show me a few rows", "Take a few rows"),
               evidence.run("t_take", "take", {"n": 10}, res, 1.234),
               evidence.error("t_take", "take failed", "[DCS102] boom")]
    text = evidence.report(entries, "built-in", ("crash", "t_take"), {"crash": "Crash", "t_take": "Take a few rows"})
    assert "1. Crash (`crash`)\n2. Take a few rows (`t_take`)" in text
    assert "from 'crash' by answer: Just show me a few rows" in text
    assert '"n": 10' in text and "Outcome: `rows`" in text and "Time: 1.23 s" in text
    assert "| 2 | x\\|y |" in text and "| 1 | null |" in text
    assert "[DCS102] boom" in text and text.count("### ") == 4


def test_empty_report():
    assert "_No step taken yet._" in evidence.report([], "t", (), {})
