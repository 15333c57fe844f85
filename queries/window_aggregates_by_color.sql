-- name: window_aggregates_by_color
-- description: 15-minute windows per car colour, merging the partial rows a window may have (final = false).
-- window: every table read is filtered on dt between the window's first and last day ('yyyy-MM-dd', inclusive), two execution parameters per table, in order (src/adapters/file/named-queries.ts)
SELECT
  window_start,
  dimension_value AS color,
  SUM("count") AS readings,
  ROUND(SUM(sum_speed) / SUM("count"), 3) AS avg_speed,
  MAX(max_speed) AS max_speed,
  MAX(max_rpm) AS max_rpm,
  SUM(speeding_alerts) AS speeding_alerts,
  SUM(high_rpm_alerts) AS high_rpm_alerts,
  SUM(wrong_gear_alerts) AS wrong_gear_alerts
FROM window_aggregates
WHERE dt BETWEEN ? AND ? AND dimension = 'color'
GROUP BY window_start, dimension_value
ORDER BY window_start, color
