"""The course: every ``lessons/<id>/`` folder is one lesson.

A folder holds ``lesson.yaml`` (id, number, title, story, node, steps, hints),
``data.py`` (``make(spark, rows=..., seed=...)``, a seeded deterministic
generator, plus ``ROWS`` and ``SEED`` defaults), ``broken.py`` (what the student
first sees), ``fix.py`` (a reference fix) and ``check.py`` (``check(spark,
student_code) -> CheckResult``).  Adding a lesson is adding a folder.

Each lesson's data becomes a demo dataset named ``lesson-<id>`` when
:func:`register_datasets` is called (explicitly: reading the course changes nothing else), so
the app's techniques read it through their usual ``source`` parameter.  A step's
``params.source`` is merged over that default; a param value ``"@broken"`` is
replaced by the text of ``broken.py``.
"""
from __future__ import annotations

import importlib.util
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dcs_engine.errors import DcsError, LessonError

from .checking import CheckResult

HERE = Path(__file__).resolve().parent
FILES = ("lesson.yaml", "data.py", "broken.py", "fix.py", "check.py")
KEYS = {"id": str, "number": int, "title": str, "story": str, "node": str, "steps": list, "hints": list}
OPTIONAL_KEYS = {"summary": str, "slow_check": bool}
STEP_KEYS = {"text": str, "technique": str, "params": dict, "label": str}
ID_RE = re.compile(r"^[a-z0-9][a-z0-9_]*$")


@dataclass(frozen=True)
class Step:
    text: str
    technique: str | None = None
    params: dict = field(default_factory=dict)   # raw, with the lesson's source filled in
    label: str = ""


@dataclass(frozen=True)
class Lesson:
    id: str
    number: int
    title: str
    story: str
    node: str
    steps: tuple[Step, ...]
    hints: tuple[str, ...]
    folder: Path
    summary: str = ""
    slow_check: bool = False

    @property
    def dataset(self) -> str:
        return f"lesson-{self.id}"

    @property
    def broken(self) -> str:
        return (self.folder / "broken.py").read_text(encoding="utf-8")

    @property
    def fix(self) -> str:
        return (self.folder / "fix.py").read_text(encoding="utf-8")

    def module(self, stem: str):
        return _load_module(self, stem)

    def source(self) -> dict:
        data = self.module("data")
        return {"kind": "demo", "demo": self.dataset, "rows": int(getattr(data, "ROWS", 2000)),
                "seed": int(getattr(data, "SEED", 42))}

    def make(self, spark, rows: int | None = None, seed: int | None = None):
        data = self.module("data")
        return data.make(spark, rows=rows if rows is not None else data.ROWS,
                         seed=seed if seed is not None else data.SEED)

    def check(self, spark, code: str, **kw) -> CheckResult:
        return run_check(self, spark, code, **kw)


# ----------------------------------------------------------------------- loading
def _err(folder: Path, what: str, expected: str, found: str, fix: str) -> LessonError:
    return LessonError(f"lesson folder '{folder.name}': {what}", expected=expected, found=found, fix=fix)


_MODULES: dict[tuple[str, str, float], Any] = {}


def _load_module(lesson_or_folder, stem: str):
    folder = lesson_or_folder.folder if isinstance(lesson_or_folder, Lesson) else lesson_or_folder
    path = folder / f"{stem}.py"
    key = (str(path), stem, path.stat().st_mtime)
    if key in _MODULES:
        return _MODULES[key]
    # Not registered in sys.modules: functions defined here travel to executors by value.
    spec = importlib.util.spec_from_file_location(f"dcs_lesson_{folder.name}_{stem}", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise _err(folder, f"{stem}.py", "a module that imports cleanly",
                   f"{exc.__class__.__name__}: {exc}", f"fix {stem}.py") from exc
    _MODULES[key] = module
    return module


def load_lesson(folder: str | os.PathLike, book=None) -> Lesson:
    """Read and validate one lesson folder (LessonError names the file and the problem)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise _err(folder, "folder", "a directory", "no such directory", "create the lesson folder")
    missing = [f for f in FILES if not (folder / f).is_file()]
    if missing:
        raise _err(folder, f"file {missing[0]}", "files " + ", ".join(FILES), f"no {missing[0]}",
                   f"add {missing[0]} to the folder")
    try:
        raw = yaml.safe_load((folder / "lesson.yaml").read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise _err(folder, "lesson.yaml", "valid YAML", str(exc).splitlines()[0], "correct the YAML syntax") from None
    if not isinstance(raw, dict):
        raise _err(folder, "lesson.yaml", "a mapping of keys", type(raw).__name__, "write key: value lines")
    for key, kind in KEYS.items():
        if key not in raw:
            raise _err(folder, f"lesson.yaml key '{key}'", "a value", "nothing", f"add '{key}:'")
        if not isinstance(raw[key], kind) or isinstance(raw[key], bool) and kind is int:
            raise _err(folder, f"lesson.yaml key '{key}'", f"a {kind.__name__}", repr(raw[key])[:60],
                       f"give '{key}' a {kind.__name__} value")
    unknown = sorted(set(raw) - set(KEYS) - set(OPTIONAL_KEYS))
    if unknown:
        raise _err(folder, f"lesson.yaml key '{unknown[0]}'", "one of " + ", ".join(list(KEYS) + list(OPTIONAL_KEYS)),
                   repr(unknown[0]), "remove it or correct its spelling")
    lid = raw["id"]
    if not ID_RE.match(lid) or lid != folder.name:
        raise _err(folder, "lesson.yaml key 'id'", f"the folder's name '{folder.name}' (lowercase, digits, _)",
                   repr(lid), "make the id and the folder name the same")
    if not raw["title"].strip() or not raw["story"].strip():
        raise _err(folder, "lesson.yaml title/story", "text", "an empty string", "write the title and the story")
    if not raw["steps"]:
        raise _err(folder, "lesson.yaml key 'steps'", "at least one step", "an empty list", "add a step")
    if not all(isinstance(h, str) and h.strip() for h in raw["hints"]) or not raw["hints"]:
        raise _err(folder, "lesson.yaml key 'hints'", "a non-empty list of texts", repr(raw["hints"])[:60],
                   "write one hint per list item")
    if book is None:
        from runbook import load_builtin

        book = load_builtin()
    if raw["node"] not in book.nodes:
        raise _err(folder, "lesson.yaml key 'node'", "a node id of the runbook (runbook/tree.yaml)",
                   repr(raw["node"]), "use an id such as t_naughty_rows or c_data_variance")
    for stem, name in (("data", "make"), ("check", "check")):
        if not callable(getattr(_load_module(folder, stem), name, None)):
            raise _err(folder, f"{stem}.py", f"a function {name}()", "none", f"define {name}() in {stem}.py")
    lesson = Lesson(id=lid, number=raw["number"], title=raw["title"].strip(), story=raw["story"].strip(),
                    node=raw["node"], steps=(), hints=tuple(h.strip() for h in raw["hints"]), folder=folder,
                    summary=str(raw.get("summary", "")).strip(), slow_check=bool(raw.get("slow_check", False)))
    steps = tuple(_step(folder, lesson, i, s) for i, s in enumerate(raw["steps"], 1))
    return Lesson(**{**lesson.__dict__, "steps": steps})


def _step(folder: Path, lesson: Lesson, i: int, raw) -> Step:
    from dcs_engine import registry

    where = f"lesson.yaml steps[{i}]"
    if not isinstance(raw, dict) or not isinstance(raw.get("text"), str) or not raw["text"].strip():
        raise _err(folder, where, "a mapping with 'text'", repr(raw)[:60], "give every step a text")
    unknown = sorted(set(raw) - set(STEP_KEYS))
    if unknown:
        raise _err(folder, f"{where} key '{unknown[0]}'", "one of " + ", ".join(STEP_KEYS), repr(unknown[0]),
                   "remove it or correct its spelling")
    tid = raw.get("technique")
    params = dict(raw.get("params") or {})
    if tid is None:
        if params:
            raise _err(folder, f"{where} params", "no params without a technique", repr(params)[:60],
                       "add 'technique:' or remove 'params:'")
        return Step(raw["text"].strip(), label=str(raw.get("label", "")))
    if tid not in registry.technique_ids():
        raise _err(folder, f"{where} technique", "one of " + ", ".join(sorted(registry.technique_ids())),
                   repr(tid), "use a technique id from the engine registry")
    tech = registry.get(tid)
    names = {p.name for p in tech.params}
    for k, v in list(params.items()):
        if v == "@broken":
            params[k] = lesson.broken
    if "source" in names:
        params["source"] = {**lesson.source(), **dict(params.get("source") or {})}
    try:
        registry.coerce_params(tech, params)
        if "source" in params:
            from dcs_engine.inputs.sources import SourceSpec

            SourceSpec.from_dict(params["source"])
    except DcsError as exc:
        raise _err(folder, f"{where} params", f"parameters that technique '{tid}' accepts", exc.message,
                   "correct the step's params") from None
    return Step(raw["text"].strip(), tid, params, str(raw.get("label", "")))


_CACHE: dict[str, tuple[float, dict[str, Lesson]]] = {}


def discover(root: str | os.PathLike | None = None) -> dict[str, Lesson]:
    """Every lesson under ``root`` (default: this package), by id, in number order."""
    root = Path(root) if root else HERE
    folders = sorted(p for p in root.iterdir() if p.is_dir() and (p / "lesson.yaml").exists())
    stamp = max([0.0] + [f.stat().st_mtime for p in folders for f in p.iterdir()])
    cached = _CACHE.get(str(root))
    if cached and cached[0] == stamp:
        return cached[1]
    lessons = [load_lesson(p) for p in folders]
    numbers: dict[int, str] = {}
    for lesson in lessons:
        if lesson.number in numbers:
            raise _err(lesson.folder, "lesson.yaml key 'number'", "a number no other lesson has",
                       f"{lesson.number}, also used by '{numbers[lesson.number]}'", "renumber one of them")
        numbers[lesson.number] = lesson.id
    out = {x.id: x for x in sorted(lessons, key=lambda x: x.number)}
    _CACHE[str(root)] = (stamp, out)
    return out


def get(lesson_id: str) -> Lesson:
    lessons = discover()
    if lesson_id not in lessons:
        raise LessonError(f"lesson {lesson_id!r}", expected="one of " + ", ".join(lessons), found=repr(lesson_id),
                          fix="pick a lesson from the list")
    return lessons[lesson_id]


def register_dataset(lesson: Lesson) -> None:
    """Make the lesson's data a demo dataset (``lesson-<id>``) for the techniques."""
    from dcs_engine.inputs import demo

    data = lesson.module("data")
    doc = (data.__doc__ or lesson.title).strip().splitlines()[0]
    demo.register(lesson.dataset, f"Lesson {lesson.number}: {doc}",
                  lambda spark, rows, seed: data.make(spark, rows=rows, seed=seed))


def register_datasets(root: str | os.PathLike | None = None) -> dict[str, Lesson]:
    """Register every lesson's data as a demo dataset (a process that runs lesson steps calls this once)."""
    lessons = discover(root)
    for lesson in lessons.values():
        register_dataset(lesson)
    return lessons


# ----------------------------------------------------------------------- checking
def run_check(lesson: Lesson, spark, code: str, **kw) -> CheckResult:
    """The lesson's check; any failure of the student's code becomes a failed CheckResult."""
    from .checking import fenced, innermost

    if not (code or "").strip():
        return CheckResult(False, "The editor is empty: write your fix (start from the broken code).")
    try:
        result = lesson.module("check").check(spark, code, **kw)
    except DcsError as exc:
        return CheckResult(False, exc.message)
    except Exception as exc:  # the student's code failed on Spark
        return CheckResult(False, f"Your code failed on Spark: {innermost(exc)}",
                           fenced(f"{exc.__class__.__name__}: {exc}"))
    if not isinstance(result, CheckResult):
        raise LessonError(f"check of lesson '{lesson.id}'", expected="a CheckResult", found=type(result).__name__,
                          fix="return checking.ok(...) or checking.fail(...)")
    return result


def check(lesson_id: str, code: str, spark=None, **kw) -> CheckResult:
    """Check ``code`` for lesson ``lesson_id`` on ``spark`` (default: the app's session)."""
    if spark is None:
        from dcs_engine.runtime.session import MANAGER

        spark = MANAGER.session()
    return run_check(get(lesson_id), spark, code, **kw)


def start_check(owner: str, lesson_id: str, code: str):
    """Run the check in the background (the Diagnose page's job runner); returns the JobHandle."""
    from dcs_engine.runtime.jobs import RUNNER
    from dcs_engine.runtime.session import MANAGER

    lesson = get(lesson_id)
    return RUNNER.submit(owner, f"Check lesson {lesson.number}", MANAGER.session,
                         lambda ctx: run_check(lesson, ctx.spark, code))
