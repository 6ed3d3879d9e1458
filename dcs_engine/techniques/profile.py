"""profile: Profile data variance.

Declared here so the runbook can reference it; the app offers the snippet
until the engine function lands (``run`` is None).
"""
from ..registry import Technique

TECHNIQUE = Technique(
    id='profile',
    title='Profile data variance',
    summary=('Per column: nulls, types seen, and value shapes (digits become 9, letters a), so 20160620 shows as 99999999 and 2016-06-20 as 9999-99-99. Compare the shapes of literals in your filters with the shapes of the data.'),
    snippet="from pyspark.sql import functions as F\nshape = F.regexp_replace(F.regexp_replace(F.col('submission_date'), '[0-9]', '9'), '[A-Za-z]', 'a')\ndf.groupBy(shape.alias('shape')).count().orderBy(F.desc('count')).show()\ndf.select([F.sum(F.col(c).isNull().cast('int')).alias(c) for c in df.columns]).show()\n",
    outcomes=('variance_found', 'uniform'),
    run=None,
)
