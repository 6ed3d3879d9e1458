"""triage: Triage the traceback.

Declared here so the runbook can reference it; the app offers the snippet
until the engine function lands (``run`` is None).
"""
from ..registry import Technique

TECHNIQUE = Technique(
    id='triage',
    title='Triage the traceback',
    summary=('Paste the traceback: find the innermost real error inside the Py4JJavaError, the Spark error condition, and where to go next in the runbook.'),
    snippet="text = open('driver.log').read()\nimport re\ninner = [l for l in text.splitlines()\n         if re.match(r'^\\w*(Error|Exception):', l.strip())]\nprint(inner[-1] if inner else 'no exception line found')\n",
    outcomes=('data_variance', 'framework_state', 'control_flow', 'exponential', 'heavy_load', 'toolchain_panic', 'unknown'),
    run=None,
)
