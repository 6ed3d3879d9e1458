"""The pass's cheap checks give the same answer as the slow, plain SQL they replace, on tricky values."""
from dcs_engine.techniques.profile import layouts
from dcs_engine.techniques.profile import sql as S
from dcs_engine.techniques.profile.sentinels import TEXT

DAYS = ["20160620", "20160229", "20150229", "20000229", "19000229", "21000229", "20240230", "20240431",
        "20241231", "20241232", "20241301", "20240001", "20240100", "10000101", "29991231", "19991131",
        "2016062.", "201606.2", "2016062 ", " 2016062", "1e100000", "2016-620", "2+160620", "20l60620",
        "30000101", "09991231", "201606201", "2016062", "", None, "1.000000", "19990931", "20230931"]
TEXTS = [t for w in TEXT for t in (w, w.upper(), f"  {w} ", f"\t{w.title()}\n", f"x{w}", f"{w}x")] + \
    ["", " ", "release", "Nightly", "nightly", "empty", "EMPTY", "E", "#", "(", "<", "?", "--", "\u212aa",
     "\u0130na", "N/A", " N/A", "n/a ", "\u00a0na", "undefined!", None, "NA", "Na", "nA", "ok"]


def _compare(spark, values, new: str, old: str) -> list:
    df = spark.createDataFrame([(v,) for v in values], "c string")
    rows = df.selectExpr("c", f"{new} AS new", f"{old} AS old").collect()
    return [(r.c, r.new, r.old) for r in rows if r.new != r.old]


def test_the_compact_day_check_is_the_parser(spark):
    old = ("(octet_length(c) = 8 AND c >= '1' AND c < '3' AND NOT contains(c, '-') "
           "AND try_to_date(c, 'yyyyMMdd') IS NOT NULL)")
    new = S.spark_check(layouts.COMPACT_DATE, "c")
    assert "try_to_date" not in new
    assert _compare(spark, DAYS, f"coalesce({new}, false)", f"coalesce({old}, false)") == []
    df = spark.createDataFrame([(v,) for v in DAYS], "c string")
    valid = {r.c for r in df.where(old).collect()}
    assert {"20160229", "20000229", "10000101", "29991231"} <= valid  # the check is not empty
    assert not {"20150229", "19000229", "20240230", "2016062."} & valid


def test_the_compact_day_value_is_the_parsers(spark):
    new = S.spark_value(layouts.COMPACT_DATE, "c")
    old = "(CASE WHEN try_to_date(c, 'yyyyMMdd') IS NOT NULL AND octet_length(c) = 8 AND c >= '1' AND c < '3' " \
          "AND NOT contains(c, '-') THEN try_to_date(c, 'yyyyMMdd') END)"
    assert _compare(spark, DAYS, new, old) == []
    assert "try_to_date" in S.spark_value(layouts.COMPACT_DATE, "c", guarded=False)  # what the user is shown


def test_the_placeholder_guard_keeps_every_placeholder(spark):
    old = f"(octet_length(c) <= 16 AND lower(trim(BOTH {S.WS} FROM c)) IN " \
          f"({', '.join(repr(w) for w in TEXT)}))"
    diff = _compare(spark, TEXTS, f"coalesce({S.is_placeholder('c')}, false)", f"coalesce({old}, false)")
    assert diff == []
    df = spark.createDataFrame([(v,) for v in TEXTS], "c string")
    assert df.where(S.is_placeholder("c")).count() >= 3 * len(TEXT)
