-- name: alerts_per_rule_per_car_hour
-- description: Alerts raised per rule and subject (car, vehicle or trajectory) per hour of event time.
SELECT
  date_trunc('hour', ts) AS hour_start,
  rule,
  subject_id,
  COUNT(*) AS alerts
FROM alerts
GROUP BY date_trunc('hour', ts), rule, subject_id
ORDER BY hour_start, rule, subject_id
