"""Named counters on real Spark: exact counts after one action, errors that name the fix."""
import pytest

from dcs_engine.errors import ParameterError
from dcs_engine.runtime.counters import Counters, dict_accumulator


def test_counts_from_executors_after_one_action(spark):
    df = spark.createDataFrame([(i, None if i % 7 else "e10s") for i in range(700)], "id int, exp string")
    counters = Counters(spark, "almost_every_time", "once_in_a_blue_moon")

    def process(row):
        if row["exp"] is not None:
            counters.add("almost_every_time")
        else:
            counters.add("once_in_a_blue_moon")

    df.rdd.foreach(process)
    assert counters.values() == {"almost_every_time": 100, "once_in_a_blue_moon": 600}
    assert counters["almost_every_time"] == 100
    counters.reset()
    df.rdd.repartition(3).foreach(process)
    assert counters.values() == {"almost_every_time": 100, "once_in_a_blue_moon": 600}


def test_dict_accumulator_adds_ints_and_caps_lists(spark):
    acc = dict_accumulator(spark)
    spark.sparkContext.parallelize(range(10), 5).foreach(lambda x: acc.add({"n": 1, x % 2: x, "seen": [x]}))
    value = acc.value
    assert value["n"] == 10 and value[0] == 0 + 2 + 4 + 6 + 8 and value[1] == 25
    assert len(value["seen"]) == 5


def test_unknown_counter_fails_the_task_with_the_names(spark):
    counters = Counters(spark, "a", "b")
    with pytest.raises(Exception) as e:
        spark.sparkContext.parallelize([1], 1).foreach(lambda x: counters.add("c"))
    assert "unknown counter 'c'; expected one of a, b" in str(e.value)


def test_names_are_checked(spark):
    with pytest.raises(ParameterError) as e:
        Counters(spark)
    assert e.value.message == ("[DCS101] Counters(); expected at least one counter name; found none. "
                               "Fix: e.g. Counters(spark, 'almost_every_time', 'once_in_a_blue_moon')")
    assert (e.value.condition, e.value.params["param"]) == ("PARAM_MISSING", "names")
    with pytest.raises(ParameterError) as e:
        Counters(spark, "a", "a")
    assert (e.value.condition, e.value.params["found"]) == ("PARAM_INVALID", ["'a'", "'a'"])


def test_counting_in_tasks_and_by_observation_agree_with_the_accumulators(spark):
    from dcs_engine.runtime.counters import count_in_tasks, observe_counts

    df = spark.createDataFrame([(i, None if i % 7 else "e10s") for i in range(700)], "id int, exp string")

    def process(row, counts):
        counts.add("almost_every_time" if row["exp"] is not None else "once_in_a_blue_moon")

    assert count_in_tasks(df.repartition(3), process, "almost_every_time", "once_in_a_blue_moon") == {
        "almost_every_time": 100, "once_in_a_blue_moon": 600}
    assert observe_counts(df, none="exp is null", e10s="exp like 'e10s%'") == {"none": 600, "e10s": 100}


def test_counting_in_tasks_refuses_bad_names_and_names_the_unknown_counter(spark):
    from dcs_engine.runtime.counters import count_in_tasks, observe_counts

    df = spark.range(3)
    with pytest.raises(ParameterError) as e:
        count_in_tasks(df, lambda row, c: None, "a", "a")
    assert (e.value.condition, e.value.params["param"]) == ("PARAM_INVALID", "names")
    with pytest.raises(ParameterError) as e:
        observe_counts(df)
    assert (e.value.condition, e.value.params["param"]) == ("PARAM_MISSING", "conditions")
    with pytest.raises(Exception) as e:
        count_in_tasks(df, lambda row, c: c.add("c"), "a", "b")
    assert "unknown counter 'c'; expected one of a, b" in str(e.value)
