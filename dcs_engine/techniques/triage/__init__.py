"""triage: Triage the traceback.

Paste a traceback (or give a log file path, read in bounded memory) and get the
innermost real error, the Spark error condition, the root cause in the talk's
terms and the runbook node to continue from.  Needs no Spark.
"""
from __future__ import annotations

import os

from dcs_engine.contract import Param, Technique
from dcs_engine.errors import ParameterError
from dcs_engine.triage import TriageReport, triage_file, triage_text


def run(ctx, params) -> TriageReport:
    text = (params.text or "").strip()
    path = (params.path or "").strip()
    if text and path:
        raise ParameterError("parameters 'text' and 'path'", expected="one of them",
                             found="both", fix="clear either the pasted text or the log file path",
                             condition="PARAM_INVALID", params={"param": "path", "found": "text and path"})
    if path:
        if not os.path.isfile(path):
            raise ParameterError(f"log file {path!r}", expected="an existing file", found="nothing there",
                                 fix="check the path (it is read on the machine running dcs-doctor)",
                                 condition="SOURCE_NOT_FOUND", params={"param": "path", "path": path})
        return triage_file(path)
    if not text:
        raise ParameterError("parameter 'text'", expected="a traceback or log excerpt", found="nothing",
                             fix="paste the error text, or give the path of a log file",
                             condition="PARAM_MISSING", params={"param": "text", "found": ""})
    return triage_text(text, source="pasted text")


TECHNIQUE = Technique(
    id='triage',
    title='Triage the traceback',
    summary=('Paste the traceback: find the innermost real error inside the Py4JJavaError, the Spark error '
             'condition, and where to go next in the runbook.'),
    snippet=("text = open('driver.log').read()\nimport re\ninner = [l for l in text.splitlines()\n"
             "         if re.match(r'^\\w*(Error|Exception):', l.strip())]\n"
             "print(inner[-1] if inner else 'no exception line found')\n"),
    params=(
        Param("text", "text", default="", label="Traceback or log text",
              help="Paste the whole error output; the innermost error is found for you."),
        Param("path", "str", default="", label="Or: a log file path",
              help="A driver or executor log of any size; it is streamed, not loaded."),
    ),
    outcomes=('data_variance', 'framework_state', 'control_flow', 'exponential', 'heavy_load', 'toolchain_panic',
              'unknown'),
    run=run,
    needs_spark=False,
)
