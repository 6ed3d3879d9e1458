"""Nested telemetry pings for the sessionisation demo (the talk's ``to_sessions``).

One row per ping: ``document_id``, ``client_id``, ``payload`` (a struct holding
``info``: profileSubsessionCounter, subsessionCounter, sessionId, subsessionId,
previousSubsessionId, previousSessionId) and ``meta`` (a struct with ``reason``).
``row.asDict(recursive=True)`` gives exactly the nested dicts the talk's code reads.

How it is generated (all from the row id and the seed, whatever the partitioning):
  * ids come in blocks of 8; a per-block cut point splits each block between two
    clients (``<block>a`` gets positions before the cut, ``<block>b`` the rest),
    so clients have 1 to 8 pings -- some have a single ping;
  * a client's ``k``-th ping has profileSubsessionCounter ``k + 1``, plus one
    after a per-client gap position (a lost ping: a break by counter);
  * three subsessions per session: subsessionCounter ``k % 3 + 1``, session number
    ``k // 3``; ~10% of pings point at a wrong previous subsession and ~15% of
    new sessions at a wrong previous session (breaks);
  * ``meta.reason`` is "shutdown" at the third subsession, else a random reason;
  * ~12% of pings carry ``payload.info = null`` (old clients).  A sessionisation
    function sorting by the counter meets such a ping first, and its broad
    ``except`` -- the "rare" branch -- ends up swallowing most of that client's
    pings: in this data it is the common case.
"""
from __future__ import annotations

from dcs_engine.inputs.demo import _u, dataset

NULL_INFO_RATE = 0.12
BAD_SSID_RATE = 0.10
BAD_SID_RATE = 0.15


@dataset("pings", "Nested telemetry pings per client (payload.info counters and session ids, "
                  "meta.reason) for sessionisation; ~12% of pings have payload.info = null.")
def pings(spark, rows: int, seed: int):
    from pyspark.sql import functions as F

    df = spark.range(0, rows, numPartitions=max(1, min(64, rows // 250_000 + 2)))
    i = F.col("id")
    block = F.floor(i / 8).cast("long")
    pos = F.pmod(i, F.lit(8)).cast("int")
    cut = F.pmod(F.xxhash64(block, F.lit(seed), F.lit(21)), F.lit(8)).cast("int")
    half = F.when(pos >= cut, F.lit("b")).otherwise(F.lit("a"))
    k = F.when(pos >= cut, pos - cut).otherwise(pos)          # the ping's index in its client
    cid = F.concat(block.cast("string"), half)
    gap = F.pmod(F.xxhash64(cid, F.lit(seed), F.lit(22)), F.lit(12)).cast("int")
    counter = k + 1 + F.when(k >= gap, 1).otherwise(0)
    sub = F.pmod(k, F.lit(3)) + 1
    sess = F.floor(k / 3).cast("int")
    sid = F.concat(F.lit("s-"), cid, F.lit("-"), sess.cast("string"))
    prev_sid = F.when(sess == 0, F.lit(None).cast("string")).when(
        _u(i, seed, 23) < BAD_SID_RATE, F.lit("s-lost")).otherwise(
        F.concat(F.lit("s-"), cid, F.lit("-"), (sess - 1).cast("string")))
    ssid = F.concat(F.lit("ss-"), cid, F.lit("-"), k.cast("string"))
    prev_ssid = F.when(k == 0, F.lit(None).cast("string")).when(
        _u(i, seed, 24) < BAD_SSID_RATE, F.lit("ss-lost")).otherwise(
        F.concat(F.lit("ss-"), cid, F.lit("-"), (k - 1).cast("string")))
    info = F.struct(counter.alias("profileSubsessionCounter"), sub.cast("int").alias("subsessionCounter"),
                    sid.alias("sessionId"), ssid.alias("subsessionId"),
                    prev_ssid.alias("previousSubsessionId"), prev_sid.alias("previousSessionId"))
    reasons = F.array(F.lit("environment-change"), F.lit("daily"), F.lit("aborted-session"), F.lit("shutdown"))
    reason = F.when(sub == 3, F.lit("shutdown")).otherwise(
        F.element_at(reasons, (F.floor(_u(i, seed, 25) * 4) + 1).cast("int")))
    return df.select(
        F.sha2(F.concat_ws("-", F.lit("ping"), i.cast("string"), F.lit(seed).cast("string")), 256)
         .substr(1, 16).alias("document_id"),
        F.sha2(F.concat_ws("-", F.lit("client"), cid, F.lit(seed).cast("string")), 256)
         .substr(1, 12).alias("client_id"),
        F.struct(F.when(_u(i, seed, 26) < NULL_INFO_RATE, F.lit(None)).otherwise(info).alias("info"))
         .alias("payload"),
        F.struct(reason.alias("reason")).alias("meta"),
    )
