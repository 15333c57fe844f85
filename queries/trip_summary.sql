-- name: trip_summary
-- description: Per Geolife user and trajectory: points, first and last fix, duration in seconds, altitude range.
-- window: every table read is filtered on dt between the window's first and last day ('yyyy-MM-dd', inclusive), two execution parameters per table, in order (src/adapters/file/named-queries.ts)
SELECT
  user_id,
  trajectory_id,
  COUNT(*) AS points,
  MIN(ts) AS started_at,
  MAX(ts) AS ended_at,
  -- Whole seconds elapsed, as Athena (Trino) counts date_diff('second', …); DuckDB's date_diff counts
  -- second boundaries crossed instead, so both take milliseconds, which agree on millisecond timestamps.
  CAST(floor(date_diff('millisecond', MIN(ts), MAX(ts)) / 1e3) AS BIGINT) AS duration_seconds,
  MIN(altitude_ft) AS min_altitude_ft,
  MAX(altitude_ft) AS max_altitude_ft
FROM trajectory_point
WHERE dt BETWEEN ? AND ?
GROUP BY user_id, trajectory_id
ORDER BY user_id, trajectory_id
