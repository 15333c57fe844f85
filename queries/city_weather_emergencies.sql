-- name: city_weather_emergencies
-- description: Weather observations and emergencies along the smart-city route, in event-time order.
-- window: every table read is filtered on dt between the window's first and last day ('yyyy-MM-dd', inclusive), two execution parameters per table, in order (src/adapters/file/named-queries.ts)
SELECT ts, vehicle_id, 'weather' AS kind, weather_condition AS detail, air_quality_index, location.lat AS lat, location.lon AS lon
FROM weather
WHERE dt BETWEEN ? AND ?
UNION ALL
SELECT ts, vehicle_id, 'emergency' AS kind, incident_type || ' (' || status || ')' AS detail, NULL AS air_quality_index, location.lat AS lat, location.lon AS lon
FROM emergency
WHERE dt BETWEEN ? AND ?
ORDER BY ts, kind
