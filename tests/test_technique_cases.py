"""Each technique's cases as data, one YAML file per technique in ``tests/cases/`` (as sqlfluff keeps a
rule's cases): parameters refused before any Spark job, with the error condition and parameters a caller
matches on, and runs on small demo data with the outcome the runbook's edges follow.  Real Spark."""
from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest
import yaml

from dcs_engine import registry
from dcs_engine.errors import DcsError

CASES = Path(__file__).resolve().parent / "cases"
CASE_KEYS = {"refused": {"case", "params", "condition", "error_params"}, "runs": {"case", "params", "outcome"}}


def _files() -> dict[str, dict]:
    return {p.stem: yaml.safe_load(p.read_text()) for p in sorted(CASES.glob("*.yaml"))}


def _cases(kind: str):
    return [pytest.param(tid, case, id=f"{tid}: {case['case']}")
            for tid, data in _files().items() for case in data.get(kind) or ()]


def test_every_runnable_technique_has_a_case_file_of_the_declared_shape():
    files = _files()
    runnable = {tid for tid, tech in registry.all_techniques().items() if tech.runnable}
    assert set(files) == runnable
    for tid, data in files.items():
        assert data["technique"] == tid and set(data) <= {"technique", *CASE_KEYS}, tid
        assert data.get("refused"), f"{tid}: no refused case"
        tech = registry.get(tid)
        for kind, keys in CASE_KEYS.items():
            for case in data.get(kind) or ():
                assert set(case) <= keys and {"case", "params"} <= set(case), (tid, case)
                if kind == "runs":
                    assert case["outcome"] in tech.outcomes, (tid, case)


def _last_job_id(spark) -> int:
    """The newest job id of the session (from the driver UI's REST API; -1 before any job)."""
    url = spark.sparkContext.uiWebUrl
    assert url, "the test session needs its UI to count jobs"
    app = spark.sparkContext.applicationId
    with urllib.request.urlopen(f"{url}/api/v1/applications/{app}/jobs", timeout=30) as answer:
        jobs = json.load(answer)
    return max((j["jobId"] for j in jobs), default=-1)


@pytest.mark.parametrize("tid,case", _cases("refused"))
def test_refused_before_any_job(spark, tid, case):
    before = _last_job_id(spark)
    with pytest.raises(DcsError) as err:
        registry.run_technique(tid, spark, case["params"])
    assert err.value.condition == case["condition"], err.value.message
    for key, value in (case.get("error_params") or {}).items():
        assert err.value.params.get(key) == value, (key, dict(err.value.params))
    assert _last_job_id(spark) == before, "a Spark job ran before the parameters were refused"


@pytest.mark.parametrize("tid,case", _cases("runs"))
def test_runs_give_the_outcome(spark, tid, case):
    result = registry.run_technique(tid, spark, case["params"])
    assert result.outcome == case["outcome"], getattr(result, "headline", result)
