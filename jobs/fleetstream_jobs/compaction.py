"""Compaction: one row per event_id, few large Parquet files per partition."""

from pyspark.sql import DataFrame


def deduplicate(table: DataFrame, key: str = "event_id") -> DataFrame:
    """Drops redeliveries: at-least-once delivery can write an event twice; the key makes it one row."""
    return table.dropDuplicates([key])


def compact(table: DataFrame, out_path: str, files_per_partition: int = 1, key: str = "event_id") -> None:
    """Rewrites a table deduplicated, partitioned by dt and hour, `files_per_partition` files each."""
    (
        deduplicate(table, key)
        .repartition(files_per_partition, "dt", "hour")
        .write.mode("overwrite")
        .partitionBy("dt", "hour")
        .parquet(out_path)
    )
