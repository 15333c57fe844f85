from datetime import datetime, timedelta

from batch_analytics import parse_args, run

DAYS = ("2026-11-24", "2026-11-25")


def write_lake(spark, lake):
    """Two days of car readings (one speeding), their alerts and two days of Geolife points, as the lake holds them."""
    readings, alerts, points = [], [], []
    for day in DAYS:
        start = datetime.fromisoformat(f"{day}T08:00:00")
        for i in range(6):
            ts = start + timedelta(minutes=5 * i)
            event_id = f"car-{day}-{i}"
            speed = 130.0 if i == 3 else 50.0
            readings.append((event_id, ts, "Red", "Model S", speed, 2000, day, "08"))
            if speed > 120:
                alerts.append((f"{event_id}:speeding", event_id, "speeding", day, "08"))
        for i in range(30):
            ts = start + timedelta(minutes=i)
            points.append((f"geolife-000-{day}-{i}", "000", ts, (39.9, 116.3 + i * 1e-5), day, "08"))
    (
        spark.createDataFrame(
            readings,
            "event_id string, ts timestamp, color string, model string, speed double, rpm int, dt string, hour string",
        )
        .write.partitionBy("dt", "hour")
        .parquet(f"{lake}/car_sensor")
    )
    (
        spark.createDataFrame(alerts, "alert_id string, event_id string, rule string, dt string, hour string")
        .write.partitionBy("dt", "hour")
        .parquet(f"{lake}/alerts")
    )
    (
        spark.createDataFrame(
            points,
            "event_id string, user_id string, ts timestamp, location struct<lat:double,lon:double>, dt string, hour string",
        )
        .write.partitionBy("dt", "hour")
        .parquet(f"{lake}/trajectory_point")
    )


def days_in(spark, path):
    return sorted(r.dt for r in spark.read.parquet(path).select("dt").distinct().collect())


def run_day(spark, lake, out, day):
    return run(spark, parse_args(["--lake", lake, "--out", out, "--from", day, "--to", day]))


def test_a_later_night_keeps_the_days_computed_before_and_a_rerun_replaces_its_own(spark, tmp_path):
    # given a lake of two days, and the job run for the first one
    lake, out = str(tmp_path / "lake"), str(tmp_path / "batch")
    write_lake(spark, lake)
    first = run_day(spark, lake, out, DAYS[0])

    # when the next night computes the second day, then runs again for it
    run_day(spark, lake, out, DAYS[1])
    again = run_day(spark, lake, out, DAYS[1])

    # then every output holds both days, and the rerun replaced its day rather than adding to it
    assert first["window_aggregates_batch"] > 0
    for output in ("window_aggregates_batch", "trips", "stay_points", "compacted/car_sensor", "compacted/trajectory_point"):
        assert days_in(spark, f"{out}/{output}") == list(DAYS), output
    assert spark.read.parquet(f"{out}/window_aggregates_batch").count() == 2 * first["window_aggregates_batch"]
    assert spark.read.parquet(f"{out}/compacted/car_sensor").count() == 12
    assert again["compacted/car_sensor"] == 12
    speeding = spark.read.parquet(f"{out}/window_aggregates_batch").where("dimension = 'color'").groupBy("dt").sum(
        "speeding_alerts"
    )
    assert sorted((r[0], r[1]) for r in speeding.collect()) == [(DAYS[0], 1), (DAYS[1], 1)]
    trips = spark.read.parquet(f"{out}/trips")
    assert trips.count() == 2
    assert trips.select("trip_id").distinct().count() == 2
