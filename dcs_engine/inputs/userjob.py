"""The user's job: a function from a DataFrame to a DataFrame (or to the result
of an action), loaded with :mod:`dcs_engine.inputs.usercode` and run to completion.

A returned DataFrame is executed in full with the ``noop`` sink, which computes
every column (``count()`` could prune a costly column away) and keeps nothing.
"""
from __future__ import annotations

from dataclasses import dataclass

from dcs_engine.errors import UserCodeError
from dcs_engine.inputs.usercode import UserFunction, load


@dataclass(frozen=True)
class JobOutput:
    kind: str          # "dataframe", "rdd" or "value"
    summary: str       # short text of what came back
    plan_text: str     # physical plan of a returned DataFrame, else ""


def user_code_given(params) -> bool:
    """Did the user give a function (pasted code, a callable, or a file reference)?"""
    code = params.code
    return callable(code) or bool((code or "").strip()) or bool((params.ref or "").strip())


def load_job(params, ctx=None, ship: str = "auto") -> UserFunction:
    """The user's function named by a technique's ``code``/``function``/``ref`` parameters.

    With the run's ``ctx``, its module is shipped to the executors too (:func:`shipping.ship`,
    mode ``ship``): the UDFs a job defines in its own module are unpickled there by reference."""
    fn = load(code=params.code or "", name=params.function or "", ref=params.ref or "")
    if ctx is not None:
        from dcs_engine.inputs.shipping import ship as ship_code

        ship_code(ctx, fn, ship)
    return fn


def physical_plan(df) -> str:
    """The physical plan's text ('' if this DataFrame cannot say: the plan is shown, never decided on)."""
    try:
        if hasattr(df, "_jdf"):
            return str(df._jdf.queryExecution().executedPlan().toString())
        text = df._explain_string(mode="simple")   # Spark Connect: the server explains it
        return text.split("== Physical Plan ==", 1)[-1].strip()
    except Exception:  # noqa: BLE001 - a plan is display only
        return ""


def run_job(fn: UserFunction, df) -> JobOutput:
    """Call the user's function on ``df`` and finish its work."""
    try:
        out = fn.func(df)
    except Exception as exc:
        if _is_spark_runtime(exc):
            raise  # an action inside the function failed on the executors: the caller triages it
        from dcs_engine.triage import innermost_message

        raise UserCodeError(f"your function '{fn.name}'", condition="USER_CODE_FAILED",
                            params={"function": fn.name, "error": exc.__class__.__name__},
                            expected="a function that takes a DataFrame",
                            found=innermost_message(exc),
                            fix="run it on a small DataFrame first and fix the error") from exc
    if hasattr(out, "_jdf") or out.__class__.__name__ == "DataFrame":
        plan = physical_plan(out)
        out.write.format("noop").mode("overwrite").save()
        return JobOutput("dataframe", f"DataFrame with columns {', '.join(out.columns)}", plan)
    if hasattr(out, "_jrdd"):
        n = out.count()
        return JobOutput("rdd", f"RDD of {n:,} elements", "")
    text = repr(out)
    return JobOutput("value", text if len(text) <= 120 else text[:119] + "…", "")


def _is_spark_runtime(exc: BaseException) -> bool:
    """Did an action inside the user's function fail on the executors?"""
    name = exc.__class__.__name__
    text = str(exc)
    return name in ("Py4JJavaError", "PythonException", "SparkRuntimeException") or "SparkException" in text \
        or "Job aborted" in text or "cancelled" in text
