import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readConfig, SETTINGS } from '#functions/shared/config.js';
import { renderConfigTable, withRenderedTable } from '../../../scripts/config-table.js';

const root = join(import.meta.dirname, '../../..');

/** Every FLEETSTREAM_* name in the TypeScript files under `dir`. */
function variablesUsedIn(dir: string): Set<string> {
  const found = new Set<string>();
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) for (const name of variablesUsedIn(path)) found.add(name);
    else if (path.endsWith('.ts'))
      for (const match of readFileSync(path, 'utf8').matchAll(/FLEETSTREAM_[A-Z_]+/g)) found.add(match[0]);
  }
  return found;
}

/** The value a setting's documented default stands for ('unset' → undefined). */
const documented = (text: string) => (text === 'unset' ? undefined : text.replaceAll('`', ''));

describe('Configuration: SETTINGS, the docs and the reader agree', () => {
  it('docs/configuration.md holds exactly the table rendered from SETTINGS', () => {
    // Prepare
    const page = readFileSync(join(root, 'docs/configuration.md'), 'utf8');

    // Assess
    expect(SETTINGS.length).toBeGreaterThan(0);
    expect(page).toContain(renderConfigTable());
    expect(withRenderedTable(page)).toBe(page);
  });

  it('lists every FLEETSTREAM_* variable the functions read and serverless.yml sets, and no other', () => {
    // Prepare
    const listed = new Set(SETTINGS.map((s) => s.variable));
    const serverless = new Set(readFileSync(join(root, 'serverless.yml'), 'utf8').match(/FLEETSTREAM_[A-Z_]+/g));

    // Assess
    expect([...variablesUsedIn(join(root, 'functions'))].sort()).toEqual([...listed].sort());
    expect(serverless.size).toBeGreaterThan(0);
    for (const name of serverless) expect(listed).toContain(name);
  });

  it.each(SETTINGS.map((s) => [s.variable, s.default, s.example]))(
    '%s: unset means the documented default %s, and a value is read',
    (variable, text, example) => {
      // Prepare
      const unset = readConfig({});
      const value = documented(text);
      const other = example
        ? example
        : value === undefined
          ? 'set'
          : /^\d+$/.test(value)
            ? String(Number(value) + 1)
            : variable.endsWith('LOG_LEVEL')
              ? 'DEBUG'
              : 'other';

      // Act
      const atDefault = value === undefined ? unset : readConfig({ [variable]: value });
      const changed = readConfig({ [variable]: other });

      // Assess
      expect(atDefault).toEqual(unset);
      expect(changed).not.toEqual(unset);
    },
  );
});
