"""A student's progress through the course, as plain data that travels as a JSON file."""
from __future__ import annotations

import json

from dcs_engine.errors import LessonError

VERSION = 1


def empty() -> dict:
    return {"version": VERSION, "lessons": {}}


def entry(progress: dict, lesson_id: str) -> dict:
    """The (mutable) record of one lesson: code, hints shown, steps run, attempts, passed."""
    return progress.setdefault("lessons", {}).setdefault(
        lesson_id, {"code": None, "hints": 0, "steps_run": [], "attempts": 0, "passed": False})


def passed(progress: dict) -> int:
    return sum(1 for e in progress.get("lessons", {}).values() if e.get("passed"))


def dumps(progress: dict) -> str:
    return json.dumps(progress, indent=2, sort_keys=True)


def loads(text: str | bytes, known: set[str] | None = None) -> dict:
    """Parse an exported progress file; LessonError says what is wrong with it."""
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise LessonError("progress file", expected="JSON exported from the Lessons page",
                          found=f"not JSON ({exc.__class__.__name__}: {str(exc)[:80]})",
                          fix="choose the .json file you downloaded with 'Export progress'") from None
    if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("lessons"), dict):
        raise LessonError("progress file", expected=f"an object with version {VERSION} and 'lessons'",
                          found=repr(data)[:80], fix="choose a file exported from the Lessons page")
    out = empty()
    for lid, rec in data["lessons"].items():
        if known is not None and lid not in known:
            raise LessonError(f"progress file lesson {lid!r}", expected="one of " + ", ".join(sorted(known)),
                              found=repr(lid), fix="export the progress again from this version of the course")
        if not isinstance(rec, dict):
            raise LessonError(f"progress file lesson {lid!r}", expected="an object", found=repr(rec)[:60],
                              fix="choose a file exported from the Lessons page")
        e = entry(out, lid)
        code = rec.get("code")
        e["code"] = code if isinstance(code, str) else None
        e["hints"] = max(0, int(rec.get("hints", 0) or 0))
        e["steps_run"] = sorted({int(s) for s in rec.get("steps_run", []) if str(s).isdigit()})
        e["attempts"] = max(0, int(rec.get("attempts", 0) or 0))
        e["passed"] = bool(rec.get("passed", False))
    return out
