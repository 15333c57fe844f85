from datetime import datetime, timezone

from fleetstream_jobs.windows import merge_streaming_rows, window_aggregates

T0 = datetime(2026, 11, 24, 8, 0, tzinfo=timezone.utc)


def ts(minutes: float) -> datetime:
    return datetime.fromtimestamp(T0.timestamp() + minutes * 60, tz=timezone.utc).replace(tzinfo=None)


def test_window_aggregates_count_speed_rpm_and_alerts_per_colour_and_model(spark):
    # given two windows of readings from two cars, one reading with two alerts
    car_sensor = spark.createDataFrame(
        [
            ("e1", ts(1), 1, 50.0, 2000, "Red", "Model S"),
            ("e2", ts(2), 1, 130.0, 6500, "Red", "Model S"),
            ("e3", ts(3), 2, 70.0, 3000, "Blue", "Model S"),
            ("e4", ts(16), 2, 90.0, 3500, "Blue", "Model S"),
            ("e2", ts(2), 1, 130.0, 6500, "Red", "Model S"),  # a redelivery: counted once
        ],
        "event_id string, ts timestamp, car_id long, speed double, rpm long, color string, model string",
    )
    alerts = spark.createDataFrame(
        [("e2", "speeding"), ("e2", "high_rpm"), ("e3", "emergency")], "event_id string, rule string"
    )

    # when
    rows = {
        (r.window_start, r.dimension, r.dimension_value): r.asDict()
        for r in window_aggregates(car_sensor, alerts, 900).collect()
    }

    # then
    first = int(T0.timestamp() * 1000)
    assert set(rows) == {
        (first, "color", "Red"),
        (first, "color", "Blue"),
        (first, "model", "Model S"),
        (first + 900_000, "color", "Blue"),
        (first + 900_000, "model", "Model S"),
    }
    assert rows[(first, "color", "Red")] | {} == {
        **rows[(first, "color", "Red")],
        "count": 2,
        "sum_speed": 180.0,
        "avg_speed": 90.0,
        "max_speed": 130.0,
        "max_rpm": 6500,
        "speeding_alerts": 1,
        "high_rpm_alerts": 1,
        "wrong_gear_alerts": 0,
        "window_end": first + 900_000,
    }
    assert rows[(first, "model", "Model S")]["count"] == 3
    assert rows[(first + 900_000, "color", "Blue")]["max_speed"] == 90.0


def test_merge_streaming_rows_folds_partial_parts_into_one_row(spark):
    # given a window the Lambda flushed in two parts
    parts = spark.createDataFrame(
        [
            (ts(0), "color", "Red", 2, 100.0, 60.0, 3000.0, 1, 0, 0),
            (ts(0), "color", "Red", 3, 210.0, 80.0, 4000.0, 0, 1, 2),
        ],
        "window_start timestamp, dimension string, dimension_value string, count long, sum_speed double, "
        "max_speed double, max_rpm double, speeding_alerts long, high_rpm_alerts long, wrong_gear_alerts long",
    )

    # when
    [row] = merge_streaming_rows(parts).collect()

    # then
    assert (row["count"], row.sum_speed, row.max_speed, row.max_rpm) == (5, 310.0, 80.0, 4000.0)
    assert (row.speeding_alerts, row.high_rpm_alerts, row.wrong_gear_alerts) == (1, 1, 2)
