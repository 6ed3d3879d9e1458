"""Parameters shared by several techniques."""
from dcs_engine.registry import Param

SOURCE = Param("source", "source", default={"kind": "demo", "demo": "telemetry", "rows": 10_000, "seed": 42},
               label="Data source", help="A demo dataset, a path with its format, or a table name.")


def user_function(code_default: str = "", code_label: str = "Your function (pasted)", code_help: str = "",
                  function_default: str = "") -> tuple[Param, Param, Param]:
    """The user's code: pasted (``code`` + ``function``) or a reference (``ref``)."""
    return (
        Param("code", "code", default=code_default, label=code_label, help=code_help),
        Param("function", "str", default=function_default, label="Function name",
              help="Which function to run (may be empty if the code defines only one)."),
        Param("ref", "str", default="", label="…or a file reference",
              help="path/to/file.py:function or package.module:function (used when nothing is pasted)"),
    )


# What the user's function printed on the executors (Spark 4.1+ Python worker logs), for the techniques
# that run it on every row.
WORKER_LOGS = Param("worker_logs", "bool", default=True, label="Show what the function prints on executors",
                    help="Spark 4.1+: turns on Python worker logs for the run and shows the lines your function "
                         "printed or logged")


def ident(name: str) -> str:
    """A column name quoted for Spark SQL (backticks, inner backticks doubled)."""
    return "`" + name.replace("`", "``") + "`"
