"""scale_out: the talk's "scale out" step -- same small sample, same code, now distributed.

1. Take ``n`` rows and run the user's function on them here, in plain Python: in the driver on
   classic Spark, in the client on Spark Connect.  If that fails, the code is not ready: fix it on
   the sample first (UserCodeError).
2. Send exactly those rows to the executors (a small DataFrame of the sample, one partition per
   task slot up to ``n``) and run the same function there, through ``mapInArrow``: the executors
   of a cluster, or the Connect server's Python workers.  The rows reach the function as Spark
   gives them (``Row`` objects, or dicts with nested structs as dicts).
3. Compare the two results element by element.

Outcomes: ``same`` (scale up next), ``differs`` (the function depends on state the local process
has -- globals, files, the clock), ``failed`` (the distributed step raised: usually framework
state, e.g. a module the executors cannot import; the error is triaged).  With ``ship`` the
function's own file and the local modules it needs are sent first (``sc.addPyFile``, or
``spark.addArtifacts(..., pyfile=True)`` on Spark Connect) -- the fix for the classic failure.
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass

from dcs_engine.contract import Param, Technique
from dcs_engine.errors import UserCodeError
from dcs_engine.inputs.usercode import load as load_function
from dcs_engine.results import Reportable, md_table
from dcs_engine.runtime import tasks
from dcs_engine.techniques._common import SOURCE, user_function
from dcs_engine.techniques.scale_out import remote
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
    kind: str = "classic"               # "classic": driver vs executors; "connect": client vs server workers

    @property
    def here(self) -> str:
        return "client" if self.kind == "connect" else "driver"

    @property
    def there(self) -> str:
        return "server's workers" if self.kind == "connect" else "executors"

    @property
    def headline(self) -> str:
        if self.outcome == "failed":
            return (f"{self.function} works on {self.n} row(s) in the {self.here} but fails when the same rows are "
                    f"distributed: {self.triage.headline if self.triage else self.error}")
        if self.outcome == "differs":
            return (f"{self.function} gives different results on the {self.there} for {len(self.mismatches)} of "
                    f"{max(len(self.local), len(self.distributed))} result(s).")
        return f"{self.function} gives the same {len(self.local)} result(s) locally and distributed: scale up next."

    @property
    def next_step(self) -> str:
        return {"same": "Scale up in steps: run it on 1%, 10%, 20%, 40% of the data and watch for a scale fail.",
                "differs": f"The function depends on state the {self.here} has and the {self.there} do not "
                           "(globals changed after definition, files, environment variables, time).",
                "failed": "Framework state: compare the environments (env_check) and ship what is missing "
                          "(rerun with 'ship' to send your module)."}[self.outcome]

    def to_markdown(self) -> str:
        out = [self.headline, "", f"Data: {self.source}; mode `{self.mode}`; {self.n} row(s) on "
                                  f"{self.partitions} partition(s).",
               "Shipped: " + (", ".join(f"`{p}`" for p in self.shipped) or "nothing"), ""]
        if self.outcome == "failed":
            out += [f"Triaged error: `{self.triage.headline if self.triage else self.error}`", ""]
        if self.mismatches:
            out += [md_table(["#", self.here, self.there],
                             [(m.index, m.local, m.distributed) for m in self.mismatches]), ""]
        out.append(f"Next: {self.next_step}")
        return "\n".join(out)


class Shown(str):
    """A result that could not travel back from the executors: its repr, made there."""


def _same(a, b) -> bool:
    try:
        if a == b:
            return True
    except Exception:  # noqa: BLE001 - a value that cannot compare: its repr decides
        pass
    return repr(a) == repr(b)


def _sample_frame(spark, sample: list, schema, parts: int):
    """The sample rows as a DataFrame with their index, spread round-robin over ``parts`` partitions."""
    from pyspark.sql import types as T

    indexed = T.StructType([T.StructField("_dcs_i", T.IntegerType(), False), *schema.fields])
    return spark.createDataFrame([(i, *row) for i, row in enumerate(sample)], indexed).repartition(parts)


def distributed(ctx, func, sample: list, schema, mode: str, row_type: str, parts: int) -> list:
    """``func`` on the sample rows, on the executors; the results in sample order."""
    tasks.ship_by_value(ctx)
    ctx.ship_module_by_value(sys.modules[remote.__name__])
    frame = _sample_frame(ctx.spark, sample, schema, parts)
    plan = tasks.plan_of(frame.schema, "dict" if row_type == "dict" else "row")
    per_task = ctx.tally(frame, remote.distributed_task(func, frame.columns, row_type,
                                                        plan if tasks.needs_conversion(plan) else None, mode))
    pairs = sorted((pair for part in per_task for pair in part), key=lambda p: p[0])
    return [Shown(payload) if how == "repr" else payload for _, how, payload in pairs]


def _compare(local: list, remote: list) -> list[Mismatch]:
    mismatches = []
    for i in range(max(len(local), len(remote))):
        a = local[i] if i < len(local) else "(missing)"
        b = remote[i] if i < len(remote) else "(missing)"
        if not (_same(a, b) or (isinstance(b, Shown) and repr(a) == b)):
            mismatches.append(Mismatch(i, repr(a), b if isinstance(b, Shown) else repr(b)))
    return mismatches


def scale_out(ctx, uf, rows: list, schema, mode: str = "map", do_ship: bool = False, source: str = "",
              row_type: str = "row") -> ScaleOutResult:
    """``uf`` on ``rows`` here, then on the executors; compared (see the module docstring)."""
    from dcs_engine.errors import DcsError
    from dcs_engine.inputs.shipping import ship

    name = getattr(uf, "name", getattr(uf.func, "__name__", "function"))
    data = [r.asDict(recursive=True) for r in rows] if row_type == "dict" else list(rows)
    start = time.perf_counter()
    try:
        local = remote.apply(uf.func, data, mode)
    except Exception as exc:
        raise UserCodeError(f"{name} on the local sample", condition="USER_CODE_FAILED",
                            params={"function": name, "where": "local sample", "error": exc.__class__.__name__},
                            expected="the function to work on the small local sample",
                            found=f"{exc.__class__.__name__}: {exc}",
                            fix="get it working locally first (the naughty rows technique finds the rows it "
                                "fails on), then scale out") from None
    shipped = ship(ctx, uf, "addpyfile", imports=True).files if do_ship else ()
    parts = max(1, min(len(data), tasks.slots(ctx)))
    common = dict(function=name, source=source, mode=mode, n=len(data), shipped=shipped,
                  local=tuple(map(repr, local)), partitions=parts, kind=ctx.kind)
    try:
        results = distributed(ctx, uf.func, rows, schema, mode, row_type, parts)
    except DcsError:
        raise
    except Exception as exc:  # the verdict: the distributed step fails where the local one did not
        ctx.check_cancelled()
        report = triage_exception(exc)
        return ScaleOutResult(**common, distributed=(), mismatches=(), triage=report,
                              error=f"{exc.__class__.__name__}: {report.headline}", outcome="failed",
                              elapsed_s=time.perf_counter() - start)
    mismatches = _compare(local, results)
    return ScaleOutResult(**common, distributed=tuple(v if isinstance(v, Shown) else repr(v) for v in results),
                          mismatches=tuple(mismatches), triage=None, error="",
                          outcome="differs" if mismatches else "same", elapsed_s=time.perf_counter() - start)


def run(ctx, params) -> ScaleOutResult:
    from dcs_engine.registry import bind

    uf = load_function(code=params.code, name=params.function, ref=params.ref)
    df = bind(ctx, params)
    rows = df.take(params.n)
    return scale_out(ctx, uf, rows, df.schema, params.mode, params.ship, params.source.describe(), params.row_type)


TECHNIQUE = Technique(
    id='scale_out',
    title='Scale out: distribute the small local sample',
    summary=('Run your function on a small local sample in the driver, then parallelize that same sample and run '
             'the same function on the executors. If the distributed step fails, the framework state differs.'),
    snippet=('sample = df.take(10)\n'
             'local = list(filter(my_local_utilities.is_e10s_experiment, sample))\n'
             'tiny_distributed = sc.parallelize(sample)\n'
             'distributed = tiny_distributed.filter(my_local_utilities.is_e10s_experiment).collect()\n'
             'assert local == distributed\n'),
    params=(
        SOURCE,
        *user_function("", "Your function (pasted)"),
        Param("n", "int", default=10, min=1, max=10_000, label="Sample rows", driver_rows=True),
        Param("mode", "choice", default="filter", choices=MODES, label="Apply the function with",
              help="filter keeps rows where it is true (like the talk); map/flatMap collect its results."),
        Param("row_type", "choice", default="row", choices=("row", "dict"), label="Each row is passed as"),
        Param("ship", "bool", default=False, label="Ship my module first",
              help="Sends the function's file and the local modules it imports to the executors "
                   "(sc.addPyFile; spark.addArtifacts on Spark Connect)."),
    ),
    outcomes=('same', 'differs', 'failed'),
    run=run,
)
