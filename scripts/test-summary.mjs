// Prints one closing line, "N passed, N failed", over the reports the test scripts wrote: Jest JSON,
// and pytest's JUnit XML for the PySpark job (jobs/tests).
import { existsSync, readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
for (const file of process.argv.slice(2)) {
  if (!existsSync(file)) {
    console.error(`test-summary: ${file} is missing: that suite did not run`);
    failed++;
    continue;
  }
  const text = readFileSync(file, 'utf8');
  if (file.endsWith('.xml')) {
    const suite = /<testsuite\b([^>]*)>/.exec(text)?.[1] ?? '';
    const count = (name) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(suite)?.[1] ?? 0);
    const bad = count('failures') + count('errors');
    passed += count('tests') - bad - count('skipped');
    failed += bad;
    continue;
  }
  const report = JSON.parse(text);
  passed += report.numPassedTests;
  failed += report.numFailedTests + report.numRuntimeErrorTestSuites;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
