"""fleetstream batch analytics (EMR step or local spark-submit).

    spark-submit jobs/batch_analytics.py --lake PATH --out PATH --from YYYY-MM-DD --to YYYY-MM-DD

Reads the Parquet lake (`<lake>/<table>/dt=YYYY-MM-DD/hour=HH/*.parquet`, s3:// or local) for the
date range and writes next to it, under `--out`: `window_aggregates_batch` (the 15-minute window
aggregates recomputed from raw car_sensor rows), `trips`, `stay_points` (each partitioned by `dt`),
and compacted copies of the event tables (`compacted/<table>`, by `dt` and `hour`), deduplicated by
event_id, one file per partition. Each output is replaced only in the partitions this run wrote
(dynamic partition overwrite): the days outside `--from`..`--to` stay as earlier runs left them.
"""

import argparse
import os
import sys
from datetime import date, datetime, timedelta, timezone

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

JOBS_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, JOBS_DIR)

from fleetstream_jobs.compaction import compact, overwrite_partitions  # noqa: E402
from fleetstream_jobs.trajectories import StayPointParams, stay_points, trip_summaries, trips  # noqa: E402
from fleetstream_jobs.windows import window_aggregates  # noqa: E402

EVENT_TABLES = ("car_sensor", "vehicle", "gps", "traffic_camera", "weather", "emergency", "trajectory_point")


def session(app: str = "fleetstream-batch-analytics") -> SparkSession:
    """A session that reads partition values as the strings the lake writes, and thinks in UTC.

    Python workers import fleetstream_jobs too (stay points run per trip in Python): locally they
    inherit PYTHONPATH; on EMR the step passes the package with --py-files.
    """
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (JOBS_DIR, os.environ.get("PYTHONPATH")) if p)
    return (
        SparkSession.builder.appName(app)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
        .getOrCreate()
    )


def read_table(spark: SparkSession, lake: str, table: str, date_from: str, date_to: str) -> DataFrame | None:
    """A lake table restricted to the date range, or None when it has no files."""
    try:
        frame = spark.read.option("basePath", f"{lake}/{table}").parquet(f"{lake}/{table}")
    except Exception as error:  # AnalysisException: path does not exist / no files
        if "PATH_NOT_FOUND" in str(error) or "Unable to infer schema" in str(error) or "does not exist" in str(error):
            return None
        raise
    return frame.where((F.col("dt") >= date_from) & (F.col("dt") <= date_to))


def day_of(column: str):
    """The UTC date (YYYY-MM-DD, the lake's `dt`) of a timestamp column; the session is UTC."""
    return F.date_format(F.col(column).cast("timestamp"), "yyyy-MM-dd")


def run(spark: SparkSession, args: argparse.Namespace) -> dict[str, int]:
    """Runs every part of the job; returns the rows written per output."""
    written: dict[str, int] = {}
    car_sensor = read_table(spark, args.lake, "car_sensor", args.date_from, args.date_to)
    alerts = read_table(spark, args.lake, "alerts", args.date_from, args.date_to)
    if car_sensor is not None:
        if alerts is None:
            alerts = spark.createDataFrame([], "event_id string, rule string")
        windows = window_aggregates(car_sensor, alerts, args.window_seconds).withColumn(
            "dt", F.date_format(F.timestamp_millis("window_start"), "yyyy-MM-dd")
        )
        overwrite_partitions(windows, f"{args.out}/window_aggregates_batch", "dt")
        written["window_aggregates_batch"] = windows.count()
    points = read_table(spark, args.lake, "trajectory_point", args.date_from, args.date_to)
    if points is not None:
        with_trips = trips(points, args.gap_seconds).cache()
        summaries = trip_summaries(with_trips).withColumn("dt", day_of("start_ts"))
        overwrite_partitions(summaries, f"{args.out}/trips", "dt")
        written["trips"] = summaries.count()
        stays = stay_points(with_trips, StayPointParams(args.stay_distance_m, args.stay_minutes * 60))
        overwrite_partitions(stays.withColumn("dt", day_of("arrive_ts")), f"{args.out}/stay_points", "dt")
        written["stay_points"] = stays.count()
    for table in EVENT_TABLES:
        frame = read_table(spark, args.lake, table, args.date_from, args.date_to)
        if frame is not None:
            compact(frame, f"{args.out}/compacted/{table}")
            written[f"compacted/{table}"] = spark.read.parquet(f"{args.out}/compacted/{table}").count()
    return written


def window_seconds(value: str) -> int:
    """A window length that divides a day, so no window spans two `dt` partitions (a run for one day
    would otherwise overwrite the day before with a partial window)."""
    seconds = int(value)
    if seconds <= 0 or 86_400 % seconds != 0:
        raise argparse.ArgumentTypeError(f"{value}: the window must divide a day (86400 seconds)")
    return seconds


def resolve_date(value: str) -> str:
    """A YYYY-MM-DD date, or `yesterday` / `today` (UTC) as the nightly schedule passes them."""
    today = datetime.now(timezone.utc).date()
    if value == "today":
        return today.isoformat()
    if value == "yesterday":
        return (today - timedelta(days=1)).isoformat()
    return date.fromisoformat(value).isoformat()


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lake", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--from", dest="date_from", required=True, type=resolve_date)
    parser.add_argument("--to", dest="date_to", required=True, type=resolve_date)
    parser.add_argument("--window-seconds", type=window_seconds, default=900)
    parser.add_argument("--gap-seconds", type=int, default=1200, help="a longer pause starts a new trip")
    parser.add_argument("--stay-distance-m", type=float, default=200.0)
    parser.add_argument("--stay-minutes", type=float, default=20.0)
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    spark = session()
    try:
        for output, rows in run(spark, args).items():
            print(f"{output}: {rows} rows", flush=True)
    finally:
        spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
