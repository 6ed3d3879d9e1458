"""Triage rules found by a held-out round of public failure reports (texts written here, not copied):
the file scanner's choice of block, catalog patterns across line wraps, and Python reprs."""
from __future__ import annotations

import io

import pytest

from dcs_engine.triage import triage_file, triage_stream, triage_text

CUT_LOG = """26/09/14 03:12:39 INFO DAGScheduler: ResultStage 7 (parquet at rollup.py:40) failed in 212.4 s
java.lang.OutOfMemoryError: GC overhead limit exceeded
26/09/14 03:12:41 ERROR TaskSetManager: Task 12 in stage 7.0 failed 1 times; aborting job
Traceback (most recent call last):
  File "/jobs/rollup.py", line 40, in <module>
    daily.write.parquet(out)
"""


@pytest.mark.parametrize("how", ["file", "stream"])
def test_a_traceback_cut_before_its_closing_line_does_not_hide_the_error(tmp_path, how):
    """The most severe block is a traceback whose last line was cut off (a truncated paste, a log that
    ends mid-trace): it names nothing, so the block that does name the error decides."""
    p = tmp_path / "driver.log"
    p.write_text(CUT_LOG)
    r = triage_file(p) if how == "file" else triage_stream(io.BytesIO(CUT_LOG.encode()))
    assert (r.exception_class, r.outcome) == ("OutOfMemoryError", "heavy_load"), r.why
    assert r.line_no == 2


@pytest.mark.parametrize("cut", ["broadcast var\niable, action", "broadcast\nvariable, action"])
def test_a_catalog_pattern_matches_across_a_line_wrap(cut):
    text = ("Traceback (most recent call last):\n"
            '  File "/srv/jobs/enrich_orders.py", line 57, in <module>\n'
            "    orders.rdd.map(lambda r: lookup(r.sku)).count()\n"
            "_pickle.PicklingError: Could not serialize object: RuntimeError: It appears that you are attempting to "
            f"reference SparkContext from a {cut}, or transformation. SparkContext can only be used on the driver.\n")
    r = triage_text(text)
    assert (r.surfaced_class, r.exception_class) == ("PicklingError", "RuntimeError")
    assert r.catalog_id == "context_on_executor", r.why  # more specific than 'pickling' on the outer level


def test_a_repr_in_source_code_is_not_the_error():
    r = triage_text("Traceback (most recent call last):\n"
                    '  File "/jobs/check.py", line 3, in <module>\n'
                    "    raise ValueError('header row has 7 fields, expected 9')\n"
                    "ValueError: header row has 7 fields, expected 9\n")
    assert (r.surfaced_class, r.exception_class, r.message) == ("ValueError", "ValueError",
                                                                "header row has 7 fields, expected 9")
