import math
from datetime import datetime, timedelta

from fleetstream_jobs.trajectories import StayPointParams, stay_points, trip_summaries, trips

START = datetime(2008, 10, 24, 2, 0)
METRE_LAT = 1 / 111_195  # degrees of latitude per metre (mean Earth radius)


def point(user, seconds, north_m, east_m=0.0, lat0=39.9, lon0=116.3):
    lat = lat0 + north_m * METRE_LAT
    lon = lon0 + east_m * METRE_LAT / math.cos(math.radians(lat0))
    return (user, "t1", START + timedelta(seconds=seconds), (lat, lon))


def frame(spark, rows):
    return spark.createDataFrame(
        rows, "user_id string, trajectory_id string, ts timestamp, location struct<lat:double,lon:double>"
    )


def constructed_day():
    """Walk 1 km north in 10 min, stay (jitter within 50 m) 30 min, walk 1 km east in 10 min, stay 10 min."""
    rows = [point("u1", s, s * (1000 / 600)) for s in range(0, 601, 60)]
    rows += [point("u1", 600 + s, 1000 + (20 if (s // 60) % 2 else -20), 10) for s in range(60, 1801, 60)]
    rows += [point("u1", 2400 + s, 1000, s * (1000 / 600)) for s in range(60, 601, 60)]
    rows += [point("u1", 3000 + s, 1000 + 10, 1000) for s in range(60, 601, 60)]
    return rows


def test_trips_split_at_gaps_longer_than_the_threshold(spark):
    # given two bursts of points two hours apart
    rows = [point("u1", s, s) for s in range(0, 300, 60)] + [point("u1", 7200 + s, s) for s in range(0, 300, 60)]

    # when
    split = trips(frame(spark, rows), gap_seconds=1200)

    # then
    assert sorted(r.trip_id for r in split.select("trip_id").distinct().collect()) == [
        "u1#2008-10-24T02:00:00.000Z",
        "u1#2008-10-24T04:00:00.000Z",
    ]


def test_stay_points_find_the_long_stay_only(spark):
    # given a constructed day with a 30-minute stay and a 10-minute one
    with_trips = trips(frame(spark, constructed_day()), gap_seconds=1200)

    # when
    stays = stay_points(with_trips, StayPointParams(distance_m=200, min_duration_s=1200)).collect()

    # then: one stay, at the north end: the 30 minutes there, plus the walk's points within 200 m of
    # it (one before, one after: the walks cover 100 m a minute)
    assert len(stays) == 1
    [stay] = stays
    assert abs(stay.lat - (39.9 + 1000 * METRE_LAT)) < 60 * METRE_LAT
    assert (stay.arrive_ts - START).total_seconds() == 540
    assert (stay.leave_ts - START).total_seconds() == 2460


def test_trip_summary_distance_duration_and_speeds(spark):
    # given a straight 1 km walk north in 10 minutes
    rows = [point("u1", s, s * (1000 / 600)) for s in range(0, 601, 60)]

    # when
    [summary] = trip_summaries(trips(frame(spark, rows))).collect()

    # then
    assert abs(summary.distance_m - 1000) < 1
    assert summary.duration_s == 600
    assert abs(summary.avg_speed_kmh - 6.0) < 0.01
    assert abs(summary.max_speed_kmh - 6.0) < 0.01
