"""The triage corpus: every case of tests/triage_cases.yaml, on texts from real runs and documented layouts.

Each case states the surfaced exception, the innermost one, the error conditions and the root
cause (and, where it matters, the runbook node).  Texts come from:

* ``fixture``: files under tests/fixtures/tracebacks/ -- captured from real runs (spark35/ by
  scripts/capture_spark35.py on pyspark 3.5; the older top-level ones), or written from the public
  documentation of a log layout (doc/);
* ``local`` / ``driver_log`` / ``cluster`` / ``connect``: made by this run on the pinned pyspark
  (tests/triage_corpus.py): the shared local session, two driver processes, the standalone cluster
  and the Spark Connect server.

A case the tool gets wrong fails here.  ``DCS_TRIAGE_CORPUS_DUMP=DIR`` writes every text to DIR.
"""
from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from dcs_engine.triage import triage_exception, triage_text
from tests import triage_corpus as corpus

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures" / "tracebacks"
CASES = yaml.safe_load((ROOT / "tests" / "triage_cases.yaml").read_text())["cases"]
BY_SOURCE: dict[str, list[dict]] = {}
for _c in CASES:
    BY_SOURCE.setdefault(_c["source"], []).append(_c)
MARKS = {"cluster": [pytest.mark.cluster, pytest.mark.slow], "connect": [pytest.mark.connect],
         "driver_log": [pytest.mark.slow]}


def _params(sources):
    out = []
    for source in sources:
        for c in BY_SOURCE.get(source, []):
            out.append(pytest.param(c, id=c["id"], marks=MARKS.get(source, [])))
    return out


def _dump(texts: dict[str, str]) -> None:
    target = os.environ.get("DCS_TRIAGE_CORPUS_DUMP")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        for name, text in texts.items():
            (Path(target) / f"{name}.txt").write_text(text)


@pytest.fixture(scope="session")
def local_failures(spark):
    return corpus.local_failures(spark)


@pytest.fixture(scope="session")
def produced(request, tmp_path_factory):
    """Texts of the live sources, made once per session and only for the sources a test asks for."""
    cache: dict[str, dict[str, str]] = {}

    def get(source: str) -> dict[str, str]:
        if source not in cache:
            work = tmp_path_factory.mktemp(f"triage-{source}")
            if source == "local":
                texts = corpus.local_texts(request.getfixturevalue("local_failures"))
            elif source == "driver_log":
                texts = corpus.driver_log_texts(work)
            elif source == "cluster":
                texts = corpus.cluster_texts(request.getfixturevalue("standalone_cluster"), work)
            elif source == "connect":
                results = corpus.connect_results(request.getfixturevalue("connect_server"), work)
                texts = {k: v["text"] for k, v in results.items()}
                cache["connect_objects"] = {k: v["object"] for k, v in results.items()}
            else:
                raise KeyError(source)
            _dump(texts)
            cache[source] = texts
        return cache[source]

    get.cache = cache
    return get


def case_text(case: dict, produced) -> str:
    if case["source"] == "fixture":
        return (FIX / case["file"]).read_text()
    texts = produced(case["source"])
    assert case["id"] in texts, f"the {case['source']} run made no text for {case['id']}: {sorted(texts)}"
    return texts[case["id"]]


def _same_class(expected: str | None, qualname: str | None) -> bool:
    if expected is None or qualname is None:
        return expected == qualname
    return qualname == expected if "." in expected else qualname.rsplit(".", 1)[-1] == expected


def check(case: dict, r) -> list[str]:
    """What the report gets wrong against the case (empty when right)."""
    wrong = []
    if "surfaced" in case and not _same_class(case["surfaced"], r.surfaced_qualname):
        wrong.append(f"surfaced {r.surfaced_qualname!r}, expected {case['surfaced']!r}")
    if "innermost" in case and not _same_class(case["innermost"], r.exception_qualname):
        wrong.append(f"innermost {r.exception_qualname!r}, expected {case['innermost']!r}")
    if "conditions" in case:
        got = [c.condition for c in r.conditions]
        if sorted(got) != sorted(case["conditions"]):
            wrong.append(f"conditions {got}, expected {case['conditions']}")
    if r.outcome != case["root_cause"]:
        wrong.append(f"root cause {r.outcome!r}, expected {case['root_cause']!r} (why: {r.why})")
    if "node" in case and r.node_id != case["node"]:
        wrong.append(f"node {r.node_id!r}, expected {case['node']!r}")
    if "message" in case and case["message"] not in r.message:
        wrong.append(f"message {r.message!r} lacks {case['message']!r}")
    if "user_frame" in case and case["user_frame"] not in (r.user_frame or ""):
        wrong.append(f"user frame {r.user_frame!r} lacks {case['user_frame']!r}")
    return wrong


@pytest.mark.parametrize("case", _params(["fixture", "local", "driver_log", "cluster", "connect"]))
def test_case(case, produced):
    r = triage_text(case_text(case, produced))
    wrong = check(case, r)
    assert not wrong, f"{case['id']}: " + "; ".join(wrong)


@pytest.mark.parametrize("wrapper", sorted(corpus.WRAPPERS))
@pytest.mark.parametrize("case", [p for p in _params(["fixture", "local", "driver_log", "cluster", "connect"])
                                  if p.values[0].get("wrap")])
def test_wrapped_text_reads_the_same(case, wrapper, produced):
    text = corpus.WRAPPERS[wrapper](case_text(case, produced))
    wrong = check(case, triage_text(text))
    assert not wrong, f"{case['id']} wrapped as {wrapper}: " + "; ".join(wrong)


@pytest.mark.parametrize("case", [pytest.param(c, id=c["id"]) for c in BY_SOURCE.get("local", [])])
def test_exception_object_agrees(case, local_failures):
    """triage_exception sees the JVM side too: the innermost JVM class when the console text has none."""
    r = triage_exception(local_failures[case["id"]])
    expected = dict(case)
    for key in ("innermost", "conditions"):
        if f"{key}_object" in case:
            expected[key] = case[f"{key}_object"]
    wrong = check(expected, r)
    assert not wrong, f"{case['id']} as an exception object: " + "; ".join(wrong)


def test_every_case_is_well_formed():
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids))
    sources = {"fixture", "local", "driver_log", "cluster", "connect"}
    for c in CASES:
        assert c["source"] in sources and "root_cause" in c, c["id"]
        if c["source"] == "fixture":
            assert (FIX / c["file"]).is_file(), c["file"]
    on_disk = {str(p.relative_to(FIX)) for p in FIX.rglob("*.txt")}
    assert on_disk == {c["file"] for c in CASES if c["source"] == "fixture"}, "every fixture text has a case"


@pytest.mark.connect
@pytest.mark.parametrize("case", [pytest.param(c, id=c["id"]) for c in BY_SOURCE.get("connect", [])])
def test_connect_exception_object_agrees(case, produced):
    """Over Spark Connect the object carries the server's stack and the condition; triage reads the same."""
    produced("connect")
    got = dict(produced.cache["connect_objects"][case["id"]])
    got["conditions"] = [SimpleNamespace(condition=c) for c in got["conditions"]]
    expected = dict(case)
    for key in ("innermost", "conditions"):
        if f"{key}_object" in case:
            expected[key] = case[f"{key}_object"]
    wrong = check(expected, SimpleNamespace(**got))
    assert not wrong, f"{case['id']} as an exception object: " + "; ".join(wrong)
