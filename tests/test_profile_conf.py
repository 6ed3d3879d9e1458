"""The pass's own session settings (codegen limits) are set for its job only and the user's values come back."""
import pytest

from dcs_engine.techniques.profile import profile_df, spark_pass

KEY = "spark.sql.codegen.hugeMethodLimit"


def test_pass_settings_hold_inside_and_the_users_value_returns(spark):
    spark.conf.set(KEY, "12345")
    try:
        with spark_pass.pass_conf(spark):
            assert spark.conf.get(KEY) == spark_pass.PASS_CONF[KEY]
        assert spark.conf.get(KEY) == "12345"
        with pytest.raises(RuntimeError), spark_pass.pass_conf(spark):
            raise RuntimeError("the job failed")
        assert spark.conf.get(KEY) == "12345"
        df = spark.range(500).selectExpr("id", "CASE WHEN id % 7 = 0 THEN NULL ELSE CAST(id AS STRING) END AS s")
        rep = profile_df(df)
        assert rep.rows == 500
        assert spark.conf.get(KEY) == "12345"
    finally:
        spark.conf.unset(KEY)


def test_an_unset_setting_is_unset_again(spark):
    spark.conf.unset(KEY)
    default = spark.conf.get(KEY)
    with spark_pass.pass_conf(spark):
        assert spark.conf.get(KEY) == "8000"
    assert spark.conf.get(KEY) == default
    assert spark.conf.get(KEY, None) is None
