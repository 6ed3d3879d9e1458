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


GATEWAY_GONE = """Traceback (most recent call last):
  File "/opt/conda/lib/python3.10/site-packages/py4j/clientserver.py", line 480, in connect_to_java_server
    self.socket.connect((self.java_address, self.java_port))
ConnectionRefusedError: [Errno 111] Connection refused
ERROR:py4j.java_gateway:An error occurred while trying to connect to the Java server (127.0.0.1:40419)
Traceback (most recent call last):
  File "/home/kim/etl/daily.py", line 31, in <module>
    n = visits.count()
  File "/opt/conda/lib/python3.10/site-packages/py4j/protocol.py", line 334, in get_return_value
    raise Py4JError(
py4j.protocol.Py4JError: An error occurred while calling o77.count
"""


@pytest.mark.parametrize("how", ["text", "file"])
def test_a_py4j_wrapper_takes_the_cause_logged_just_before_it(tmp_path, how):
    """Py4J's error stands on a cause; when that cause was logged as its own record right before
    (the gateway's failed reconnect), it is the innermost error."""
    p = tmp_path / "notebook.log"
    p.write_text(GATEWAY_GONE)
    r = triage_text(GATEWAY_GONE) if how == "text" else triage_file(p)
    assert (r.surfaced_class, r.exception_class, r.outcome) == ("Py4JError", "ConnectionRefusedError",
                                                                "toolchain_panic"), r.why


def test_a_cut_py4j_error_takes_the_java_class_its_title_names():
    r = triage_text("Spark job fails: java.lang.NoSuchMethodError: 'scala.collection.immutable.ArraySeq'\n\n"
                    "Py4JJavaError                             Traceback (most recent call last)\n"
                    "Cell In[7], line 3\n      1 out = spark.read.format('vecstore').load()\n")
    assert (r.surfaced_class, r.exception_class, r.outcome) == ("Py4JJavaError", "NoSuchMethodError",
                                                                "framework_state"), r.why
