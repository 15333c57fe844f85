/** The rules in the order the page lists them, each with its colour (schemas/alert.schema.json). */
export const RULE_COLORS: Record<string, string> = {
  speeding: '#d1495b',
  high_rpm: '#edae49',
  wrong_gear: '#8e5ea2',
  emergency: '#c0392b',
  poor_air_quality: '#6b8f71',
  gps_jump: '#00798c',
};

/** Every rule the pipeline has, so a rule that never fired still shows a zero. */
export const RULES = Object.keys(RULE_COLORS);

/** The seed fleet's colours (data/car_colors.csv) as the marker and chart colours. */
const CAR_COLORS: Record<string, string> = {
  Black: '#222831',
  Red: '#d62828',
  White: '#f8f9fa',
  Silver: '#b8c0c8',
  Blue: '#1d70b8',
  Grey: '#6c757d',
  Green: '#2a9d55',
};

const FALLBACK = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f'];

/** A stable colour for any name: a car colour as itself, anything else from a fixed palette. */
export function colorFor(name: string | null): string {
  if (name && CAR_COLORS[name]) return CAR_COLORS[name];
  let hash = 0;
  for (const char of name ?? '') hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return FALLBACK[hash % FALLBACK.length]!;
}

/** A rule's colour. */
export function ruleColor(rule: string): string {
  return RULE_COLORS[rule] ?? colorFor(rule);
}
