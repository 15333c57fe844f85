"""15-minute window aggregates recomputed from the lake, as the `aggregate` Lambda defines them.

One row per (window, dimension, value) for dimension in (color, model): count, sum and average
speed, maximum speed and rpm, and how many speeding, high_rpm and wrong_gear alerts the window's
readings raised. Alerts come from the lake's `alerts` table (joined on event_id), so the rules are
ingest's own and are not restated here. The streaming job may split a window into partial rows
(final = false); `merge_streaming_rows` folds them the way the named queries do, for reconciliation.
"""

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

CAR_RULES = ("speeding", "high_rpm", "wrong_gear")


def epoch_ms(column: str):
    """A timestamp column (with or without time zone; the session is UTC) as epoch milliseconds."""
    return F.floor(F.unix_micros(F.col(column).cast("timestamp")) / 1000).cast("long")


def window_start_ms(ts_column: str, window_seconds: int):
    """The start (epoch ms) of the tumbling window holding a timestamp column."""
    window_ms = window_seconds * 1000
    return (F.floor(epoch_ms(ts_column) / window_ms) * window_ms).cast("long")


def window_aggregates(car_sensor: DataFrame, alerts: DataFrame, window_seconds: int = 900) -> DataFrame:
    """Window aggregates per colour and per model from raw car_sensor rows and the alerts they raised."""
    rules = (
        alerts.where(F.col("rule").isin(*CAR_RULES))
        .groupBy("event_id")
        .agg(*[F.max(F.when(F.col("rule") == rule, 1).otherwise(0)).alias(f"{rule}_alert") for rule in CAR_RULES])
    )
    readings = (
        car_sensor.dropDuplicates(["event_id"])
        .join(rules, "event_id", "left")
        .withColumn("window_start", window_start_ms("ts", window_seconds))
        .fillna(0, subset=[f"{rule}_alert" for rule in CAR_RULES])
    )
    per_dimension = []
    for dimension in ("color", "model"):
        per_dimension.append(
            readings.select(
                "window_start",
                F.lit(dimension).alias("dimension"),
                F.coalesce(F.col(dimension), F.lit("unknown")).alias("dimension_value"),
                "speed",
                "rpm",
                *[f"{rule}_alert" for rule in CAR_RULES],
            )
        )
    union = per_dimension[0].unionByName(per_dimension[1])
    return (
        union.groupBy("window_start", "dimension", "dimension_value")
        .agg(
            F.count(F.lit(1)).alias("count"),
            F.sum("speed").alias("sum_speed"),
            F.max("speed").alias("max_speed"),
            F.max("rpm").alias("max_rpm"),
            *[F.sum(f"{rule}_alert").cast("long").alias(f"{rule}_alerts") for rule in CAR_RULES],
        )
        .withColumn("window_end", F.col("window_start") + F.lit(window_seconds * 1000))
        .withColumn("avg_speed", F.round(F.col("sum_speed") / F.col("count"), 3))
        .withColumn("sum_speed", F.round("sum_speed", 3))
    )


def merge_streaming_rows(window_rows: DataFrame) -> DataFrame:
    """Folds the streaming job's rows (final and partial parts) into one row per window and value."""
    return (
        window_rows.withColumn("window_start", epoch_ms("window_start"))
        .groupBy("window_start", "dimension", "dimension_value")
        .agg(
            F.sum("count").alias("count"),
            F.round(F.sum("sum_speed"), 3).alias("sum_speed"),
            F.max("max_speed").alias("max_speed"),
            F.max("max_rpm").alias("max_rpm"),
            *[F.sum(f"{rule}_alerts").cast("long").alias(f"{rule}_alerts") for rule in CAR_RULES],
        )
    )
