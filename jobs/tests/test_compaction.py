from fleetstream_jobs.compaction import compact


def test_compaction_removes_redeliveries_and_writes_one_file_per_partition(spark, tmp_path):
    # given a table written as many small files, with a redelivered event
    rows = [(f"e{i}", "2026-11-24", "08", float(i)) for i in range(40)] + [("e7", "2026-11-24", "08", 7.0)]
    source = tmp_path / "small"
    spark.createDataFrame(rows, "event_id string, dt string, hour string, speed double").repartition(8).write.partitionBy(
        "dt", "hour"
    ).parquet(str(source))
    small_files = list(source.rglob("*.parquet"))

    # when
    compact(spark.read.parquet(str(source)), str(tmp_path / "compacted"))

    # then
    files = list((tmp_path / "compacted").rglob("*.parquet"))
    assert len(small_files) > 1
    assert len(files) == 1
    result = spark.read.parquet(str(tmp_path / "compacted"))
    assert result.count() == 40
    assert result.select("event_id").distinct().count() == 40
