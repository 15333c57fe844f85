-- name: top_speeders
-- description: Cars by number of readings over the speeding threshold, with their top speed and driver.
-- window: every table read is filtered on dt between the window's first and last day ('yyyy-MM-dd', inclusive), two execution parameters per table, in order (src/adapters/file/named-queries.ts)
SELECT
  car_id,
  driver_id,
  model,
  color,
  COUNT(*) AS speeding_readings,
  MAX(speed) AS top_speed
FROM car_sensor
WHERE dt BETWEEN ? AND ? AND speed > 120
GROUP BY car_id, driver_id, model, color
ORDER BY speeding_readings DESC, top_speed DESC, car_id
LIMIT 10
