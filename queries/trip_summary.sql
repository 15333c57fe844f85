-- name: trip_summary
-- description: Per Geolife user and trajectory: points, first and last fix, duration in seconds, altitude range.
SELECT
  user_id,
  trajectory_id,
  COUNT(*) AS points,
  MIN(ts) AS started_at,
  MAX(ts) AS ended_at,
  date_diff('second', MIN(ts), MAX(ts)) AS duration_seconds,
  MIN(altitude_ft) AS min_altitude_ft,
  MAX(altitude_ft) AS max_altitude_ft
FROM trajectory_point
GROUP BY user_id, trajectory_id
ORDER BY user_id, trajectory_id
