"""scale_out: the talk's "scale out" step -- same small sample, same code, now distributed.

1. Take ``n`` rows and run the user's function on them in the driver (plain Python).
   If that fails, the code is not ready: fix it on the sample first (UserCodeError).
2. ``sc.parallelize`` exactly those rows and run the same function on the executors.
3. Compare the two results element by element.

Outcomes: ``same`` (scale up next), ``differs`` (the function depends on driver
state -- globals, files, the clock), ``failed`` (the distributed step raised:
usually framework state, e.g. a module the executors cannot import; the error is
triaged).  With ``ship`` the function's own file and the local modules it needs
are sent with ``sc.addPyFile`` first -- the fix for the classic failure.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass

from dcs_engine.contract import Param, Technique
from dcs_engine.errors import UserCodeError
from dcs_engine.inputs.sources import load as load_source
from dcs_engine.inputs.usercode import load as load_function
from dcs_engine.results import Reportable, md_table
from dcs_engine.techniques._common import SOURCE, user_function
from dcs_engine.techniques.env_check import local_module_file, needed_modules
from dcs_engine.triage import TriageReport, triage_exception

MODES = ("map", "filter", "flatMap")


@dataclass(frozen=True)
class Mismatch:
    index: int
    local: str
    distributed: str


@dataclass(frozen=True)
class ScaleOutResult(Reportable):
    function: str
    source: str
    mode: str
    n: int
    shipped: tuple[str, ...]
    local: tuple[str, ...]            # reprs of the driver's results
    distributed: tuple[str, ...]      # reprs of the executors' results ('' when failed)
    mismatches: tuple[Mismatch, ...]
    triage: TriageReport | None
    error: str
    partitions: int
    outcome: str
    elapsed_s: float = 0.0

    @property
    def headline(self) -> str:
        if self.outcome == "failed":
            return (f"{self.function} works on {self.n} row(s) in the driver but fails when the same rows are "
                    f"distributed: {self.triage.headline if self.triage else self.error}")
        if self.outcome == "differs":
            return (f"{self.function} gives different results on the executors for {len(self.mismatches)} of "
                    f"{max(len(self.local), len(self.distributed))} result(s).")
        return f"{self.function} gives the same {len(self.local)} result(s) locally and distributed: scale up next."

    @property
    def next_step(self) -> str:
        return {"same": "Scale up in steps: run it on 1%, 10%, 20%, 40% of the data and watch for a scale fail.",
                "differs": "The function depends on state the driver has and the executors do not "
                           "(globals changed after definition, files, environment variables, time).",
                "failed": "Framework state: compare the environments (env_check) and ship what is missing "
                          "(rerun with 'ship' to addPyFile your module)."}[self.outcome]

    def to_markdown(self) -> str:
        out = [self.headline, "", f"Data: {self.source}; mode `{self.mode}`; {self.n} row(s) on "
                                  f"{self.partitions} partition(s).",
               "Shipped with addPyFile: " + (", ".join(f"`{p}`" for p in self.shipped) or "nothing"), ""]
        if self.outcome == "failed":
            out += [f"Triaged error: `{self.triage.headline if self.triage else self.error}`", ""]
        if self.mismatches:
            out += [md_table(["#", "driver", "executors"], [(m.index, m.local, m.distributed) for m in self.mismatches]),
                    ""]
        out.append(f"Next: {self.next_step}")
        return "\n".join(out)


def _apply(func, rows, mode: str) -> list:
    if mode == "filter":
        return [r for r in rows if func(r)]
    if mode == "flatMap":
        return [x for r in rows for x in func(r)]
    return [func(r) for r in rows]


def _same(a, b) -> bool:
    try:
        if a == b:
            return True
    except Exception:
        pass
    return repr(a) == repr(b)


def ship(sc, uf, paths_seen: set | None = None) -> tuple[str, ...]:
    """``sc.addPyFile`` the function's own file and the local modules it needs
    (a package directory is zipped first).  Returns what was shipped."""
    paths = []
    if getattr(uf, "module_path", None):
        paths.append(uf.module_path)
    for mod, _ in needed_modules(uf):
        path = local_module_file(mod)
        if path and path not in paths:
            paths.append(path)
    shipped = []
    for path in paths:
        target = path
        if os.path.isdir(path):
            base = os.path.join(tempfile.mkdtemp(prefix="dcs-ship-"), os.path.basename(path))
            target = shutil.make_archive(base, "zip", os.path.dirname(path), os.path.basename(path))
        try:
            sc.addPyFile(target)
        except Exception as exc:  # already added under this name: fine if it is the same file
            if "already" not in str(exc).lower():
                raise
        shipped.append(target)
    return tuple(shipped)


def scale_out(spark, uf, rows: list, mode: str = "map", do_ship: bool = False, source: str = "",
              convert=None) -> ScaleOutResult:
    sc = spark.sparkContext
    name = getattr(uf, "name", getattr(uf.func, "__name__", "function"))
    data = [convert(r) for r in rows] if convert else list(rows)
    start = time.perf_counter()
    try:
        local = _apply(uf.func, data, mode)
    except Exception as exc:
        raise UserCodeError(f"{name} on the local sample", expected="the function to work on the small local sample",
                            found=f"{exc.__class__.__name__}: {exc}",
                            fix="get it working locally first (the naughty rows technique finds the rows it "
                                "fails on), then scale out") from None
    shipped = ship(sc, uf) if do_ship else ()
    parts = max(1, min(len(data), sc.defaultParallelism))
    func = uf.func
    rdd = sc.parallelize(data, parts)
    rdd = rdd.filter(func) if mode == "filter" else rdd.flatMap(func) if mode == "flatMap" else rdd.map(func)
    try:
        distributed = rdd.collect()
    except Exception as exc:
        report = triage_exception(exc)
        return ScaleOutResult(name, source, mode, len(data), shipped, tuple(map(repr, local)), (), (), report,
                              f"{exc.__class__.__name__}: {report.headline}", parts, "failed",
                              time.perf_counter() - start)
    mismatches = []
    for i in range(max(len(local), len(distributed))):
        a = local[i] if i < len(local) else "(missing)"
        b = distributed[i] if i < len(distributed) else "(missing)"
        if not _same(a, b):
            mismatches.append(Mismatch(i, repr(a), repr(b)))
    return ScaleOutResult(name, source, mode, len(data), shipped, tuple(map(repr, local)),
                          tuple(map(repr, distributed)), tuple(mismatches), None, "", parts,
                          "differs" if mismatches else "same", time.perf_counter() - start)


def run(ctx, params) -> ScaleOutResult:
    spark = ctx.spark
    uf = load_function(code=params.code, name=params.function, ref=params.ref)
    spec = params.source
    rows = load_source(spark, spec).take(params.n)
    convert = (lambda r: r.asDict(recursive=True)) if params.row_type == "dict" else None
    return scale_out(spark, uf, rows, params.mode, params.ship, spec.describe(), convert)


TECHNIQUE = Technique(
    id='scale_out',
    title='Scale out: distribute the small local sample',
    summary=('Run your function on a small local sample in the driver, then parallelize that same sample and run '
             'the same function on the executors. If the distributed step fails, the framework state differs.'),
    snippet='sample = df.take(10)\nlocal = list(filter(my_local_utilities.is_e10s_experiment, sample))\ntiny_distributed = sc.parallelize(sample)\ndistributed = tiny_distributed.filter(my_local_utilities.is_e10s_experiment).collect()\nassert local == distributed\n',
    params=(
        SOURCE,
        *user_function("", "Your function (pasted)"),
        Param("n", "int", default=10, min=1, max=10_000, label="Sample rows", driver_rows=True),
        Param("mode", "choice", default="filter", choices=MODES, label="Apply the function with",
              help="filter keeps rows where it is true (like the talk); map/flatMap collect its results."),
        Param("row_type", "choice", default="row", choices=("row", "dict"), label="Each row is passed as"),
        Param("ship", "bool", default=False, label="Ship my module with addPyFile first",
              help="Sends the function's file and the local modules it imports to the executors."),
    ),
    outcomes=('same', 'differs', 'failed'),
    run=run,
)
