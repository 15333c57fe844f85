-- name: alerts_per_rule_per_car_hour
-- description: Alerts raised per rule and subject (car, vehicle or trajectory) per hour of event time.
-- window: every table read is filtered on dt between the window's first and last day ('yyyy-MM-dd', inclusive), two execution parameters per table, in order (src/adapters/file/named-queries.ts)
SELECT
  date_trunc('hour', ts) AS hour_start,
  rule,
  subject_id,
  COUNT(*) AS alerts
FROM alerts
WHERE dt BETWEEN ? AND ?
GROUP BY date_trunc('hour', ts), rule, subject_id
ORDER BY hour_start, rule, subject_id
