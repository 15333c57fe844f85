"""Trajectory analytics on Geolife points: trips split at time gaps, stay points, per-trip summaries.

Stay points follow Li et al. / Zheng (Geolife): starting from a point, extend while the following
points stay within `distance_m` of it; if the span lasts at least `min_duration_s`, it is a stay,
located at the mean of its points, and the search resumes after it.
"""

import math
from dataclasses import dataclass

from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

EARTH_RADIUS_M = 6_371_008.8


def haversine_m(lat1, lon1, lat2, lon2):
    """Great-circle distance in metres between two points, as Spark column expressions."""
    dlat = F.radians(lat2 - lat1)
    dlon = F.radians(lon2 - lon1)
    h = F.sin(dlat / 2) ** 2 + F.cos(F.radians(lat1)) * F.cos(F.radians(lat2)) * F.sin(dlon / 2) ** 2
    # Not F.least: it skips nulls, and the first point of a trip has no previous one (null must stay null).
    return 2 * EARTH_RADIUS_M * F.asin(F.sqrt(F.when(h > 1, F.lit(1.0)).otherwise(h)))


def _haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    dlat = math.radians(lat2 - lat1)
    dlon = math.radians(lon2 - lon1)
    h = math.sin(dlat / 2) ** 2 + math.cos(math.radians(lat1)) * math.cos(math.radians(lat2)) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def trips(points: DataFrame, gap_seconds: int = 1200) -> DataFrame:
    """Points with a `trip_id`: a user's points split wherever two consecutive points are more than `gap_seconds` apart.

    The id is `<user>#<first point's time, UTC>`: the same trip gets the same id in any run, and the
    trips of different nights, kept side by side in the output, never share one (a run's own
    counter would start again at 1 each night).
    """
    by_user = Window.partitionBy("user_id").orderBy("ts")
    seconds = F.unix_micros(F.col("ts").cast("timestamp")) / 1e6
    with_gaps = points.withColumn("gap", seconds - F.lag(seconds).over(by_user))
    starts = with_gaps.withColumn("new_trip", F.when(F.col("gap").isNull() | (F.col("gap") > gap_seconds), 1).otherwise(0))
    numbered = starts.withColumn("trip_no", F.sum("new_trip").over(by_user.rowsBetween(Window.unboundedPreceding, 0)))
    started = numbered.withColumn(
        "trip_start", F.min(F.col("ts").cast("timestamp")).over(Window.partitionBy("user_id", "trip_no"))
    )
    return started.withColumn(
        "trip_id", F.concat_ws("#", "user_id", F.date_format("trip_start", "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"))
    ).drop("gap", "new_trip", "trip_no", "trip_start")


def trip_summaries(points_with_trips: DataFrame) -> DataFrame:
    """Per trip: start, end, duration, distance (sum of haversine steps), average and maximum speed (km/h)."""
    by_trip = Window.partitionBy("trip_id").orderBy("ts")
    lat, lon = F.col("location.lat"), F.col("location.lon")
    seconds = F.unix_micros(F.col("ts").cast("timestamp")) / 1e6
    steps = (
        points_with_trips.withColumn("step_m", haversine_m(F.lag(lat).over(by_trip), F.lag(lon).over(by_trip), lat, lon))
        .withColumn("step_s", seconds - F.lag(seconds).over(by_trip))
        .withColumn("step_kmh", F.when(F.col("step_s") > 0, F.col("step_m") / F.col("step_s") * 3.6))
    )
    return (
        steps.groupBy("trip_id", "user_id")
        .agg(
            F.min("ts").alias("start_ts"),
            F.max("ts").alias("end_ts"),
            F.count(F.lit(1)).alias("points"),
            F.coalesce(F.sum("step_m"), F.lit(0.0)).alias("distance_m"),
            F.max("step_kmh").alias("max_speed_kmh"),
        )
        .withColumn(
            "duration_s",
            (F.unix_micros(F.col("end_ts").cast("timestamp")) - F.unix_micros(F.col("start_ts").cast("timestamp"))) / 1e6,
        )
        .withColumn(
            "avg_speed_kmh",
            F.when(F.col("duration_s") > 0, F.col("distance_m") / F.col("duration_s") * 3.6).otherwise(F.lit(0.0)),
        )
    )


@dataclass(frozen=True)
class StayPointParams:
    """The classic Geolife thresholds: 200 m and 20 minutes."""

    distance_m: float = 200.0
    min_duration_s: float = 1200.0


STAY_SCHEMA = T.StructType(
    [
        T.StructField("trip_id", T.StringType()),
        T.StructField("arrive_ts", T.TimestampType()),
        T.StructField("leave_ts", T.TimestampType()),
        T.StructField("lat", T.DoubleType()),
        T.StructField("lon", T.DoubleType()),
        T.StructField("points", T.LongType()),
    ]
)


def stay_points(points_with_trips: DataFrame, params: StayPointParams = StayPointParams()) -> DataFrame:
    """Stay points per trip: the sequential Li et al. algorithm, run on each trip's points in order."""
    spark = SparkSession.getActiveSession()

    def detect(rows):
        rows = sorted(rows, key=lambda r: r["ts"])
        found = []
        i = 0
        while i < len(rows):
            j = i + 1
            while j < len(rows) and _haversine(
                rows[i]["lat"], rows[i]["lon"], rows[j]["lat"], rows[j]["lon"]
            ) <= params.distance_m:
                j += 1
            span = rows[i:j]
            if (span[-1]["ts"] - span[0]["ts"]).total_seconds() >= params.min_duration_s:
                found.append(
                    (
                        rows[i]["trip_id"],
                        span[0]["ts"],
                        span[-1]["ts"],
                        sum(r["lat"] for r in span) / len(span),
                        sum(r["lon"] for r in span) / len(span),
                        len(span),
                    )
                )
                i = j
            else:
                i += 1
        return found

    flat = points_with_trips.select("trip_id", "ts", F.col("location.lat").alias("lat"), F.col("location.lon").alias("lon"))
    grouped = flat.rdd.map(lambda r: (r["trip_id"], r.asDict())).groupByKey().flatMap(lambda kv: detect(list(kv[1])))
    return spark.createDataFrame(grouped, STAY_SCHEMA)
