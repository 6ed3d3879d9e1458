# The settings the job is submitted with (spark-submit --conf key=value).
CONF = {
    "spark.serializer": "org.apache.spark.serializer.KryoSerializer",
    "spark.kryoserializer.buffer.max": "1m",
}

TABLE_MB = 4


def job(sc):
    """Put the lookup table through Spark's Kryo serializer in one piece; return the bytes serialized."""
    table = bytearray(TABLE_MB * 1024 * 1024)
    kryo = sc._jvm.org.apache.spark.serializer.KryoSerializer(sc._jsc.sc().getConf()).newInstance()
    blob = kryo.serialize(table, sc._jvm.scala.reflect.ClassTag.Any())
    return blob.limit()
