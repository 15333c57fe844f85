import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';

const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** Folders whose code runs: shipped (the functions, the CLI) or used by the tests and the deploy. */
const RUNTIME = ['src', 'functions', 'local'];
const TOOLING = ['plugins', 'resources', 'scripts', 'test', 'bench'];

/** Every package a folder's TypeScript and JavaScript files import, with the first file that does. */
function importedPackages(folder: string): Map<string, string> {
  const packages = new Map<string, string>();
  const files = readdirSync(folder, { recursive: true })
    .map(String)
    .filter((file) => /\.(ts|js|mjs)$/.test(file) && !file.includes('node_modules'));
  for (const file of files) {
    const text = readFileSync(join(folder, file), 'utf8');
    // import and export statements and dynamic imports, not a string argument such as '--from'.
    for (const [, specifier] of text.matchAll(
      /(?:^(?:import|export)\b[^;]*?\bfrom|\bimport\()\s*'([^'./#][^']*)'/gms,
    )) {
      const name = specifier!.startsWith('@') ? specifier!.split('/').slice(0, 2).join('/') : specifier!.split('/')[0]!;
      if (name.startsWith('node:') || builtinModules.includes(name)) continue;
      if (!packages.has(name)) packages.set(name, join(folder, file));
    }
  }
  return packages;
}

describe('package.json', () => {
  it('declares every package the code imports (none resolves only because something else depends on it)', () => {
    // Act
    const undeclared = [...RUNTIME, ...TOOLING].flatMap((folder) =>
      [...importedPackages(folder)]
        // A type-only package such as aws-lambda is declared as @types/aws-lambda.
        .filter(
          ([name]) =>
            ![name, `@types/${name}`].some((n) => n in manifest.dependencies || n in manifest.devDependencies),
        )
        .map(([name, file]) => `${name} (${file})`),
    );

    // Assess
    expect(importedPackages('local').size).toBeGreaterThan(0);
    expect(undeclared).toEqual([]);
  });

  it('declares the AWS SDK packages the shipped code imports as dependencies, not devDependencies', () => {
    // Act
    const aws = RUNTIME.flatMap((folder) => [...importedPackages(folder).keys()]).filter((name) =>
      /^@(aws-sdk|smithy|aws-crypto)\//.test(name),
    );

    // Assess
    expect(aws).toEqual(expect.arrayContaining(['@aws-sdk/client-sfn', '@aws-sdk/client-opensearch']));
    for (const name of aws) expect([name, manifest.dependencies[name]]).toEqual([name, expect.any(String)]);
  });
});
