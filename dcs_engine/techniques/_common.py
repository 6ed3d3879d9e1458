"""Parameters shared by several techniques."""
from ..registry import Param

SOURCE = Param("source", "source", default={"kind": "demo", "demo": "telemetry", "rows": 10_000, "seed": 42},
               label="Data source", help="A demo dataset, a path with its format, or a table name.")
