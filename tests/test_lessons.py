"""The course: every lesson validates, its data is seeded, its broken code fails the check with the
intended error and its reference fix passes -- all on real Spark.  Plus malformed lesson folders,
progress files, and the Lessons page (AppTest)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from dcs_engine.errors import LessonError
from lessons import course, progress
from lessons.checking import CheckResult

ROOT = Path(__file__).resolve().parents[1]
LESSONS = course.register_datasets()   # the lessons' data as demo datasets, through the explicit API

# lesson id -> a piece of the message the broken code must fail with
BROKEN = {
    "l01_normal_vs_scale": "21 of 4,000 records still raise: TypeError: float() argument must be a string or a "
                           "real number, not 'NoneType'",
    "l02_date_format": "Your filter keeps 1,629 of 5,000 pings (33%); the last week has 79.",
    "l03_dcs_prompt": "2,688 of 3,000 rows still raise: AttributeError: 'NoneType' object has no attribute "
                      "'startswith'",
    "l04_framework_state": "Distributed, your code fails on the executors: [PYTHON_EXCEPTION] ModuleNotFoundError: "
                           "No module named 'my_local_utilities'",
    "l05_control_flow": "Your code counts 946 bad pings (39% of all); only 293 (12%) have no payload.info.",
    "l06_all_pairs": "The counts are right, but the job still compares every row with every row",
    "l07_skew": "the hot client still lands in one task.",
    "l08_sampling": "At 10 rows your estimate is 1.000 where the exact ratio is 4.000.",
    "l09_kryo": "With your settings the job hits the Kryo buffer overflow: [KRYO_BUFFER_OVERFLOW] KryoException: "
                "Buffer overflow. Available: 0, required: 1048576",
    "l10_scale_steps": "Scale fail at 20% of the data: [PYTHON_EXCEPTION] ValueError: invalid literal for int() "
                       "with base 10: 'unknown'",
}


def test_the_course_has_the_ten_lessons_in_order():
    assert [x.number for x in LESSONS.values()] == list(range(1, 11))
    assert set(LESSONS) == set(BROKEN)
    from runbook import load_builtin

    book = load_builtin()
    for lesson in LESSONS.values():
        assert lesson.node in book.nodes and lesson.hints and lesson.steps
        assert any(s.technique for s in lesson.steps), lesson.id
        for step in lesson.steps:
            if "source" in step.params:
                assert step.params["source"]["demo"] == f"lesson-{lesson.id}"


@pytest.mark.parametrize("lesson_id", sorted(BROKEN))
def test_generator_is_deterministic(spark, lesson_id):
    lesson = LESSONS[lesson_id]
    a = lesson.make(spark, rows=300, seed=5).collect()
    b = lesson.make(spark, rows=300, seed=5).collect()
    assert a == b and len(a) == 300
    c = lesson.make(spark, rows=300, seed=6).collect()
    assert c != a
    # the registered demo dataset is the same data
    from dcs_engine.inputs.demo import build

    assert build(spark, lesson.dataset, 300, 5).collect() == a


@pytest.mark.parametrize("lesson_id", sorted(BROKEN))
def test_broken_fails_and_fix_passes(spark, lesson_id):
    lesson = LESSONS[lesson_id]
    bad = lesson.check(spark, lesson.broken)
    assert isinstance(bad, CheckResult) and not bad.passed
    assert BROKEN[lesson_id] in bad.message, bad.message
    good = lesson.check(spark, lesson.fix)
    assert good.passed, good.message + "\n" + good.evidence


def test_check_reports_code_that_does_not_load(spark):
    res = course.check("l03_dcs_prompt", "def is_e10s_experiment(row):\n    return row[\n", spark=spark)
    assert not res.passed and res.message.startswith("[DCS104] <pasted>, line 2")
    res = course.check("l03_dcs_prompt", "def something_else(row):\n    return True\n", spark=spark)
    assert res.message == ("[DCS104] function 'is_e10s_experiment' in <pasted>; expected a function defined there; "
                           "found functions something_else. Fix: check the function name")
    assert course.check("l03_dcs_prompt", "   ", spark=spark).message.startswith("The editor is empty")


def test_a_wrong_but_quiet_fix_is_caught(spark):
    res = course.check("l03_dcs_prompt", "def is_e10s_experiment(row):\n"
                                         "    return (row['active_experiment_id'] or 'e10s').startswith('e10s')\n",
                       spark=spark)
    assert not res.passed
    assert res.message == "No row raises, but your filter keeps 2,889 rows where 201 are e10s pings."


@pytest.mark.cluster
@pytest.mark.slow
def test_lesson4_on_the_standalone_cluster(spark, standalone_cluster):
    lesson = LESSONS["l04_framework_state"]
    bad = lesson.check(spark, lesson.broken, master=standalone_cluster.master_url)
    assert "ModuleNotFoundError: No module named 'my_local_utilities'" in bad.message and not bad.passed
    good = lesson.check(spark, lesson.fix, master=standalone_cluster.master_url)
    assert good.passed and standalone_cluster.master_url in good.message


# ------------------------------------------------------------------ malformed folders
def copy_lesson(tmp_path, lesson_id="l03_dcs_prompt") -> Path:
    dst = tmp_path / lesson_id
    shutil.copytree(LESSONS[lesson_id].folder, dst)
    return dst


def edit_yaml(folder: Path, old: str, new: str) -> None:
    p = folder / "lesson.yaml"
    text = p.read_text()
    assert old in text
    p.write_text(text.replace(old, new, 1))


def test_copied_lesson_loads(tmp_path):
    assert course.load_lesson(copy_lesson(tmp_path)).number == 3


def test_missing_file(tmp_path):
    folder = copy_lesson(tmp_path)
    (folder / "check.py").unlink()
    with pytest.raises(LessonError) as e:
        course.load_lesson(folder)
    assert e.value.message == ("[DCS401] lesson folder 'l03_dcs_prompt': file check.py; expected files lesson.yaml, "
                               "data.py, broken.py, fix.py, check.py; found no check.py. Fix: add check.py to the folder")


def test_unknown_runbook_node(tmp_path):
    folder = copy_lesson(tmp_path)
    edit_yaml(folder, "node: t_naughty_rows", "node: t_nowhere")
    with pytest.raises(LessonError) as e:
        course.load_lesson(folder)
    assert e.value.message == ("[DCS401] lesson folder 'l03_dcs_prompt': lesson.yaml key 'node'; expected a node id "
                               "of the runbook (runbook/tree.yaml); found 't_nowhere'. Fix: use an id such as "
                               "t_naughty_rows or c_data_variance")


def test_id_must_match_folder(tmp_path):
    folder = copy_lesson(tmp_path)
    edit_yaml(folder, "id: l03_dcs_prompt", "id: l03_other")
    with pytest.raises(LessonError, match="expected the folder's name 'l03_dcs_prompt'"):
        course.load_lesson(folder)


@pytest.mark.parametrize("old,new,fragment", [
    ("technique: naughty_rows", "technique: naughty_row",
     "lesson.yaml steps[2] technique; expected one of "),
    ("params: {code: \"@broken\", function: is_e10s_experiment}", "params: {code: \"@broken\", rows: 3}",
     "lesson.yaml steps[2] params; expected parameters that technique 'naughty_rows' accepts; found [DCS101] "
     "technique 'naughty_rows' parameter 'rows'"),
    ("number: 3", "number: three", "lesson.yaml key 'number'; expected a int; found 'three'"),
    ("hints:", "tips:", "lesson.yaml key 'hints'; expected a value; found nothing"),
    ("title: ", "titel: x\ntitle: ", "lesson.yaml key 'titel'; expected one of"),
    ("steps:", "steps: [\n", "lesson.yaml; expected valid YAML"),
])
def test_malformed_yaml_is_named(tmp_path, old, new, fragment):
    folder = copy_lesson(tmp_path)
    edit_yaml(folder, old, new)
    with pytest.raises(LessonError) as e:
        course.load_lesson(folder)
    assert e.value.message.startswith("[DCS401] lesson folder 'l03_dcs_prompt': ")
    assert fragment in e.value.message, e.value.message


def test_duplicate_numbers_and_discovery(tmp_path):
    copy_lesson(tmp_path, "l03_dcs_prompt")
    other = copy_lesson(tmp_path, "l01_normal_vs_scale")
    assert list(course.discover(tmp_path)) == ["l01_normal_vs_scale", "l03_dcs_prompt"]
    edit_yaml(other, "number: 1", "number: 3")
    with pytest.raises(LessonError, match="expected a number no other lesson has; found 3, also used by"):
        course.discover(tmp_path)


def test_unknown_lesson_id():
    with pytest.raises(LessonError, match="lesson 'l99'; expected one of l01_normal_vs_scale"):
        course.get("l99")


# ------------------------------------------------------------------ progress files
def test_progress_roundtrip_and_bad_files():
    p = progress.empty()
    e = progress.entry(p, "l03_dcs_prompt")
    e.update(code="x = 1\n", hints=2, steps_run=[2], attempts=3, passed=True)
    back = progress.loads(progress.dumps(p), set(LESSONS))
    assert back == p and progress.passed(back) == 1
    with pytest.raises(LessonError) as err:
        progress.loads("not json")
    assert err.value.message.startswith("[DCS401] progress file; expected JSON exported from the Lessons page; "
                                        "found not JSON (JSONDecodeError")
    with pytest.raises(LessonError, match="progress file lesson 'l77'; expected one of"):
        progress.loads(json.dumps({"version": 1, "lessons": {"l77": {}}}), set(LESSONS))
    with pytest.raises(LessonError, match="expected an object with version 1"):
        progress.loads(json.dumps({"lessons": {}}))


# ------------------------------------------------------------------ the page (AppTest)
def test_lessons_page_open_hint_check(spark):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()
    at.switch_page("app_pages/lessons.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Lessons"
    assert len([b for b in at.button if b.key and b.key.startswith("ls_open_")]) == 10
    at.button(key="ls_open_03").click().run()
    assert at.header[0].value == "3. The DCS prompt: None.startswith"
    assert at.text_area(key="ls_code").value == LESSONS["l03_dcs_prompt"].broken
    spec = at.get("graphviz_chart")[0].proto.spec
    assert 't_naughty_rows [' in spec and 'class="current"' in next(
        x for x in spec.splitlines() if x.strip().startswith("t_naughty_rows ["))
    at.button(key="ls_hint").click().run()
    assert [i.value for i in at.info if i.value.startswith("Hint")] == [f"Hint 1: {LESSONS['l03_dcs_prompt'].hints[0]}"]
    at.button(key="ls_check").click().run()
    assert "still raise: AttributeError" in at.error[0].value
    at.text_area(key="ls_code").input(LESSONS["l03_dcs_prompt"].fix).run()
    at.button(key="ls_check").click().run()
    assert not at.exception, at.exception
    assert at.success and "keeps exactly the 201 e10s pings" in at.success[-1].value
    rec = at.session_state["ls_progress"]["lessons"]["l03_dcs_prompt"]
    assert rec["passed"] and rec["hints"] == 1 and rec["attempts"] == 2
    assert rec["code"] == LESSONS["l03_dcs_prompt"].fix
    at.button(key="ls_back").click().run()
    assert "1 of 10 lessons passed" in at.caption[0].value


def test_reading_the_course_writes_nothing_into_the_demo_registry():
    """Only course.register_datasets() adds the lessons' data (the Lessons page used to write into the
    registry as a side effect of listing the lessons); a built-in dataset cannot be replaced."""
    import subprocess
    import sys

    probe = ("from lessons import course; from dcs_engine.inputs import demo\n"
             "course.discover(); before = [n for n in demo.names() if n.startswith('lesson-')]\n"
             "course.register_datasets(); after = [n for n in demo.names() if n.startswith('lesson-')]\n"
             "print(len(before), len(after))")
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["0", str(len(LESSONS))]
    from dcs_engine.errors import SourceError
    from dcs_engine.inputs import demo

    with pytest.raises(SourceError) as err:
        demo.register("telemetry", "mine", lambda spark, rows, seed: None)
    assert "a name no built-in dataset has" in err.value.message
    assert demo.DATASETS["telemetry"].build.__module__ == "dcs_engine.inputs.demo"
