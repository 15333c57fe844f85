import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderCostTable, withRenderedCostTable } from '../../../scripts/cost-table.js';

const root = join(import.meta.dirname, '../../..');

describe('docs/cost.md', () => {
  it('holds exactly the table `fleetstream cost` computes from serverless.yml, the prices and the model', () => {
    // Prepare
    const page = readFileSync(join(root, 'docs/cost.md'), 'utf8');

    // Act
    const table = renderCostTable(root);

    // Assess
    expect(table.split('\n')).toHaveLength(2 + 6 + 1);
    expect(page).toContain(table);
    expect(withRenderedCostTable(page, root)).toBe(page);
  });
});
