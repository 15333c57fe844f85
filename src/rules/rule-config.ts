/** Rule thresholds: configuration (FLEETSTREAM_* variables, serverless.yml params), never literals in rule code. */
export interface RuleConfig {
  /** `speeding` fires when speed > this (km/h). */
  speedingKmh: number;
  /** `high_rpm` fires when rpm > this. */
  highRpm: number;
  /** `poor_air_quality` fires when air_quality_index > this (US EPA AQI; 150 is "unhealthy"). */
  poorAqi: number;
  /** `gps_jump` fires when two consecutive points of one trajectory imply a speed > this (km/h). */
  gpsJumpKmh: number;
}

/** The documented defaults. */
export const DEFAULT_RULE_CONFIG: Readonly<RuleConfig> = {
  speedingKmh: 120,
  highRpm: 6000,
  poorAqi: 150,
  gpsJumpKmh: 250,
};
