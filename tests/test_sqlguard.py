"""Inputs that cannot reach too far: SQL functions that reach the JVM or the file system are refused
(checked by Spark's own parser, and by a stricter lexical check where no JVM is at hand), and paths
stay under the roots the operator configured."""
from __future__ import annotations

import os

import pytest

from dcs_engine.errors import SourceError
from dcs_engine.inputs import roots, sqlguard
from dcs_engine.inputs.sources import SourceSpec, load

REFUSED = [
    ("reflect('java.lang.System', 'exit', 0) is null", "reflect"),
    ("java_method('java.lang.System', 'exit', 0) is null", "java_method"),
    ("try_reflect('java.lang.Thread', 'sleep', 100000L) is null", "try_reflect"),
    ("REFLECT('java.lang.System','exit',0) IS NULL", "reflect"),
    ("`reflect`('java.lang.System','exit',0) is null", "reflect"),
    ("system.builtin.reflect('java.lang.System','exit',0) is null", "reflect"),
    ("reflect /* hidden */ ('java.lang.System','exit',0) is null", "reflect"),
    ("coalesce(null, java_method('java.lang.System', 'getenv', 'HOME')) = 'x'", "java_method"),
    ("exists(array(1), x -> reflect('java.lang.System','exit',0) is null)", "reflect"),
    ("from_protobuf(b, 'M', '/etc/passwd') is null", "from_protobuf"),
    ("xpath_string('<a/>', 'a') = ''", "xpath_string"),
    ("client_id in (select 1)", None),
    ("exists (select * from text.`/etc/passwd`)", None),
    ("identifier('reflect')('java.lang.System','exit',0) is null", None),
    ("my_udf(client_id) > 0", "my_udf"),
]
ALLOWED = [
    "client_id > 0",
    "lower(os) like 'win%' and submission_date > '20170519'",
    "reflect_count > 1",                                       # a column named like a function
    "os = 'reflect(java.lang.System, exit, 0)'",              # a string that only looks like a call
    "os != 'it''s' -- reflect('x','y') in a comment",
    "size(filter(array(1, 2), x -> x > 1)) = 1",
    "cast(client_id as string) rlike '^[0-9]+$'",
    "cast(client_id as varchar(10)) = '1' and cast(client_id as decimal(10, 2)) > 0",
    "extract(year from current_date()) > 2000 and trim(both ' ' from os) <> ''",
    "coalesce(os, 'none') in ('a', 'b') and client_id between 1 and 5",
    "`client_id` % 2 = 0 and not (os is null)",
    "case when client_id > 3 then true else false end",
]


@pytest.mark.parametrize("clause, fn", REFUSED)
def test_spark_parser_refuses(spark, clause, fn):
    with pytest.raises(SourceError) as err:
        sqlguard.check_expression(spark, clause, "where clause")
    assert err.value.condition == "SOURCE_REFUSED"
    if fn:
        assert err.value.params["function"] == fn
    assert "where clause" in err.value.message


@pytest.mark.parametrize("clause", ALLOWED)
def test_spark_parser_allows(spark, clause):
    sqlguard.check_expression(spark, clause, "where clause")


@pytest.mark.parametrize("clause, fn", REFUSED)
def test_lexical_check_is_at_least_as_strict(spark, clause, fn):
    """The check used where there is no JVM (a Spark Connect client) refuses all that Spark's parser refuses."""
    with pytest.raises(SourceError):
        sqlguard.check_lexically(clause, "where clause", sqlguard.builtin_functions(spark))


@pytest.mark.parametrize("clause", ALLOWED)
def test_lexical_check_allows_ordinary_clauses(spark, clause):
    sqlguard.check_lexically(clause, "where clause", sqlguard.builtin_functions(spark))


@pytest.mark.parametrize("clause", ["os = 'unterminated", "a > 1 /* never closed", "a = `open"])
def test_lexical_check_fails_closed(clause):
    with pytest.raises(SourceError) as err:
        sqlguard.check_lexically(clause, "where clause", frozenset({"lower"}))
    assert err.value.condition == "SOURCE_REFUSED"


def test_syntax_error_is_a_bad_filter(spark):
    with pytest.raises(SourceError) as err:
        sqlguard.check_expression(spark, "client_id >", "where clause")
    assert err.value.condition == "SOURCE_BAD_FILTER"


def test_denied_list_matches_the_pinned_spark_registry(spark):
    """Every built-in of the pinned Spark whose implementing class reaches the JVM or the file system is denied,
    and every denied name is such a function; a Spark upgrade that adds one fails here until it is reviewed."""
    reach = {f.name for f in spark.catalog.listFunctions()
             if f.className and f.className.rsplit(".", 1)[-1] in sqlguard.REACH_CLASSES}
    assert reach == set(sqlguard.DENIED)
    assert {"reflect", "java_method", "try_reflect"} <= reach


def test_where_clause_refused_before_spark_runs_it(spark):
    spec = SourceSpec(kind="demo", demo="telemetry", rows=10, where="reflect('java.lang.System', 'exit', 0) is null")
    with pytest.raises(SourceError) as err:
        load(spark, spec)
    assert err.value.params["function"] == "reflect"
    assert spark.range(3).count() == 3  # the JVM is still there


def test_table_name_that_reads_a_path_is_refused(spark):
    with pytest.raises(SourceError) as err:
        load(spark, SourceSpec(kind="table", table="text.`/etc/passwd`"))
    assert err.value.condition == "SOURCE_REFUSED" and err.value.params["reason"] == "table_reads_path"


# --- path roots ---------------------------------------------------------------------------

def test_path_outside_the_roots_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("DCS_PATH_ROOTS", str(tmp_path / "data"))
    with pytest.raises(SourceError) as err:
        roots.check_path("/etc/passwd")
    assert err.value.condition == "SOURCE_REFUSED" and err.value.params["reason"] == "outside_roots"
    assert str(tmp_path / "data") in err.value.message and "DCS_PATH_ROOTS" in err.value.message


def test_paths_inside_the_roots(tmp_path, monkeypatch):
    data = tmp_path / "data"
    (data / "a").mkdir(parents=True)
    monkeypatch.setenv("DCS_PATH_ROOTS", str(data))
    roots.check_path(str(data / "a"))
    roots.check_path(f"file://{data}/a/*.json")
    for bad in (f"{data}/../secret", f"{data}x/a", "s3a://bucket/x", f"{data}/*/../../etc"):
        with pytest.raises(SourceError):
            roots.check_path(bad)


def test_symlink_out_of_a_root_is_refused(tmp_path, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    os.symlink("/etc", data / "etc")
    monkeypatch.setenv("DCS_PATH_ROOTS", str(data))
    with pytest.raises(SourceError):
        roots.check_path(str(data / "etc" / "passwd"))


def test_remote_roots_are_prefixes(monkeypatch):
    monkeypatch.setenv("DCS_PATH_ROOTS", "s3a://team-bucket/logs, /srv")
    roots.check_path("s3a://team-bucket/logs/2024/*.json")
    with pytest.raises(SourceError):
        roots.check_path("s3a://team-bucket/logs-other/x")
    with pytest.raises(SourceError):
        roots.check_path("s3a://other/logs/x")


def test_default_roots_are_the_data_dir_and_working_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("DCS_PATH_ROOTS", raising=False)
    monkeypatch.setenv("DCS_DATA_DIR", str(tmp_path))
    assert roots.configured() == (str(tmp_path), os.getcwd())


def test_load_refuses_a_path_source_outside_the_roots(spark, tmp_path, monkeypatch):
    monkeypatch.setenv("DCS_PATH_ROOTS", str(tmp_path))
    with pytest.raises(SourceError) as err:
        load(spark, SourceSpec(kind="path", path="/etc/hostname", format="text"))
    assert err.value.params["reason"] == "outside_roots"
    (tmp_path / "ok.txt").write_text("hello\n")
    assert load(spark, SourceSpec(kind="path", path=str(tmp_path / "ok.txt"), format="text")).count() == 1


def test_other_sql_inputs_are_checked_too(spark):
    """A technique's SQL expression parameter (sample's measure) goes through the same check."""
    from dcs_engine import registry

    with pytest.raises(SourceError) as err:
        registry.run_technique("sample", spark, {"source": {"kind": "demo", "demo": "categories", "rows": 200},
                                                 "measure": "java_method('java.lang.System', 'exit', 0) = 'x'"})
    assert err.value.params["function"] == "java_method" and err.value.params["input"] == "measure"


@pytest.mark.connect
def test_over_spark_connect(connect_server):
    """A Connect client has no JVM: the lexical check runs, with the server's built-in function list."""
    clauses = [c for c, _ in REFUSED] + ALLOWED
    [(status, value, _)] = connect_server.call([("tests.remote_guard:check_clauses", {"clauses": clauses})])
    assert status == "ok", value
    verdicts, has_jvm, count = value
    assert has_jvm is False and count == 3
    for (clause, fn), verdict in zip(REFUSED, verdicts):
        assert verdict and verdict[0] == "SOURCE_REFUSED", clause
        if fn and verdict[1].get("function"):
            assert verdict[1]["function"] == fn, clause
    assert verdicts[len(REFUSED):] == [None] * len(ALLOWED)
