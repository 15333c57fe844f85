"""Compaction: one row per event_id, few large Parquet files per partition."""

from pyspark.sql import DataFrame


def deduplicate(table: DataFrame, key: str = "event_id") -> DataFrame:
    """Drops redeliveries: at-least-once delivery can write an event twice; the key makes it one row."""
    return table.dropDuplicates([key])


def overwrite_partitions(frame: DataFrame, out_path: str, *columns: str) -> None:
    """Writes `frame` partitioned by `columns`, replacing only the partitions it has rows for.

    Spark's default partition overwrite mode is static: `mode("overwrite")` first deletes every
    partition under the path, so a nightly run for one day would delete all the days before it.
    Dynamic mode "only overwrite[s] those partitions that have data written into it at runtime"
    (`spark.sql.sources.partitionOverwriteMode`, https://spark.apache.org/docs/latest/configuration.html),
    set here per write so no session setting can turn it off. On EMR the EMRFS S3-optimized commit
    protocol serves it without S3 renames
    (https://docs.aws.amazon.com/emr/latest/ReleaseGuide/emr-spark-s3-optimized-commit-protocol.html).
    """
    frame.write.mode("overwrite").option("partitionOverwriteMode", "dynamic").partitionBy(*columns).parquet(out_path)


def compact(table: DataFrame, out_path: str, files_per_partition: int = 1, key: str = "event_id") -> None:
    """Rewrites a table deduplicated, partitioned by dt and hour, `files_per_partition` files each;
    only the partitions the table has rows for are replaced."""
    overwrite_partitions(deduplicate(table, key).repartition(files_per_partition, "dt", "hour"), out_path, "dt", "hour")
