/** A row of `data/car_models.csv`. */
export interface CarModel {
  model_id: number;
  make: string;
  model: string;
}

/** A row of `data/car_colors.csv`. */
export interface CarColor {
  color_id: number;
  color: string;
}

/** A row of `data/cars.csv`: one car of the fleet. */
export interface Car {
  car_id: number;
  driver_id: number;
  model_id: number;
  color_id: number;
}

/** The three dimension tables of the seed pipeline. */
export interface Dimensions {
  cars: Car[];
  models: CarModel[];
  colors: CarColor[];
}

/** The CSV texts, keyed by table name as in `data/<table>.csv`. */
export interface DimensionCsvs {
  cars: string;
  car_models: string;
  car_colors: string;
}

/** A dimension row that broke a rule: table, 1-based line and the reason. */
export interface DimensionRowError {
  table: keyof DimensionCsvs;
  line: number;
  reason: string;
}

/** Thrown by `parseDimensions` with every bad row, none skipped. */
export class DimensionError extends Error {
  override readonly name = 'DimensionError';
  constructor(readonly rows: readonly DimensionRowError[]) {
    super(
      `${rows.length} bad dimension row(s): ${rows
        .slice(0, 5)
        .map((r) => `${r.table}.csv:${r.line} ${r.reason}`)
        .join('; ')}`,
    );
  }
}

type ColumnKind = 'id' | 'car_id' | 'text';

const TABLE_COLUMNS: { [T in keyof DimensionCsvs]: Record<string, ColumnKind> } = {
  cars: { car_id: 'car_id', driver_id: 'id', model_id: 'id', color_id: 'id' },
  car_models: { model_id: 'id', make: 'text', model: 'text' },
  car_colors: { color_id: 'id', color: 'text' },
};

/** Valid rows of a table, each with its 1-based line in the CSV. */
type Parsed<T> = { rows: T[]; lines: number[] };

function parseTable<T>(table: keyof DimensionCsvs, text: string, errors: DimensionRowError[]): Parsed<T> {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').split(',').map((h) => h.trim());
  const columns = TABLE_COLUMNS[table];
  const missing = Object.keys(columns).filter((c) => !header.includes(c));
  if (missing.length > 0) {
    errors.push({ table, line: 1, reason: `header:missing_columns ${missing.join(',')}` });
    return { rows: [], lines: [] };
  }
  const rows: T[] = [];
  const rowLines: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.trim() === '') continue;
    const cells = line.split(',');
    if (cells.length !== header.length) {
      errors.push({ table, line: i + 1, reason: `row:column_count expected ${header.length} got ${cells.length}` });
      continue;
    }
    const row: Record<string, string | number> = {};
    let ok = true;
    for (const [name, kind] of Object.entries(columns)) {
      const raw = (cells[header.indexOf(name)] ?? '').trim();
      if (kind === 'text') {
        if (raw === '') {
          errors.push({ table, line: i + 1, reason: `${name}:empty` });
          ok = false;
        }
        row[name] = raw;
        continue;
      }
      const value = Number(raw);
      const valid =
        raw !== '' &&
        Number.isInteger(value) &&
        value > 0 &&
        (kind !== 'car_id' || (value >= 1e6 && value <= 9_999_999));
      if (!valid) {
        errors.push({
          table,
          line: i + 1,
          reason: `${name}:${kind === 'car_id' ? 'not_7_digit_integer' : 'not_positive_integer'} "${raw}"`,
        });
        ok = false;
      }
      row[name] = value;
    }
    if (ok) {
      rows.push(row as T);
      rowLines.push(i + 1);
    }
  }
  return { rows, lines: rowLines };
}

function checkUnique<T>(
  table: keyof DimensionCsvs,
  parsed: Parsed<T>,
  key: keyof T,
  errors: DimensionRowError[],
): void {
  const seen = new Set<unknown>();
  parsed.rows.forEach((row, index) => {
    if (seen.has(row[key]))
      errors.push({ table, line: parsed.lines[index]!, reason: `${String(key)}:duplicate ${String(row[key])}` });
    seen.add(row[key]);
  });
}

/**
 * Parses and validates the dimension CSVs: every column typed, keys unique, every car's model and
 * colour present. Throws `DimensionError` listing every bad row.
 *
 * @example
 *   const dims = parseDimensions({ cars, car_models, car_colors });
 */
export function parseDimensions(csv: DimensionCsvs): Dimensions {
  const errors: DimensionRowError[] = [];
  const models = parseTable<CarModel>('car_models', csv.car_models, errors);
  const colors = parseTable<CarColor>('car_colors', csv.car_colors, errors);
  const cars = parseTable<Car>('cars', csv.cars, errors);
  checkUnique('car_models', models, 'model_id', errors);
  checkUnique('car_colors', colors, 'color_id', errors);
  checkUnique('cars', cars, 'car_id', errors);
  const modelIds = new Set(models.rows.map((m) => m.model_id));
  const colorIds = new Set(colors.rows.map((c) => c.color_id));
  cars.rows.forEach((car, index) => {
    const line = cars.lines[index]!;
    if (!modelIds.has(car.model_id)) errors.push({ table: 'cars', line, reason: `model_id:unknown ${car.model_id}` });
    if (!colorIds.has(car.color_id)) errors.push({ table: 'cars', line, reason: `color_id:unknown ${car.color_id}` });
  });
  if (errors.length > 0) throw new DimensionError(errors);
  return { cars: cars.rows, models: models.rows, colors: colors.rows };
}

/** What enrichment adds to a car_sensor event (schemas/car_sensor.schema.json `x-derived`). */
export interface CarEnrichment {
  driver_id: number;
  model_id: number;
  make: string;
  model: string;
  color_id: number;
  color: string;
}

/** Car id → enrichment, built once from the dimensions so each lookup is one Map read. */
export type DimensionIndex = ReadonlyMap<number, CarEnrichment>;

/** Joins the three tables into one lookup by car_id. */
export function indexDimensions(dims: Dimensions): DimensionIndex {
  const models = new Map(dims.models.map((m) => [m.model_id, m]));
  const colors = new Map(dims.colors.map((c) => [c.color_id, c]));
  const index = new Map<number, CarEnrichment>();
  for (const car of dims.cars) {
    const model = models.get(car.model_id);
    const color = colors.get(car.color_id);
    if (!model || !color) continue;
    index.set(car.car_id, {
      driver_id: car.driver_id,
      model_id: car.model_id,
      make: model.make,
      model: `${model.make} ${model.model}`,
      color_id: car.color_id,
      color: color.color,
    });
  }
  return index;
}
