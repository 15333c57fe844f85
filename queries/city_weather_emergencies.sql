-- name: city_weather_emergencies
-- description: Weather observations and emergencies along the smart-city route, in event-time order.
SELECT ts, vehicle_id, 'weather' AS kind, weather_condition AS detail, air_quality_index, location.lat AS lat, location.lon AS lon
FROM weather
UNION ALL
SELECT ts, vehicle_id, 'emergency' AS kind, incident_type || ' (' || status || ')' AS detail, NULL AS air_quality_index, location.lat AS lat, location.lon AS lon
FROM emergency
ORDER BY ts, kind
