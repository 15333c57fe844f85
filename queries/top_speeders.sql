-- name: top_speeders
-- description: Cars by number of readings over the speeding threshold, with their top speed and driver.
SELECT
  car_id,
  driver_id,
  model,
  color,
  COUNT(*) AS speeding_readings,
  MAX(speed) AS top_speed
FROM car_sensor
WHERE speed > 120
GROUP BY car_id, driver_id, model, color
ORDER BY speeding_readings DESC, top_speed DESC, car_id
LIMIT 10
