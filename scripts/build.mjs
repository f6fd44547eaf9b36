#!/usr/bin/env node
// `npm run build` (and `prepack`): compiles src/ and machines/ into dist/ with tsc (tsconfig.build.json):
// ESM .js, .d.ts and source maps (sources inlined, so they work without src/ in the package).
//
// Two steps after tsc:
// - the .d.ts keep the sources' relative `.ts` specifiers; they are rewritten to `.js`, so the
//   declarations read like any package's (TypeScript resolves `./x.js` to `./x.d.ts` in every mode);
// - dist/package.json carries `"type": "module"` and the package.json `imports` map (`#websocket`, …)
//   with its targets moved from the sources to the compiled files. Node and bundlers resolve a `#…`
//   specifier through the nearest package.json, so dist/ files use this map, while the repository's
//   own tools (vitest, tsx, esbuild in the browser lane) keep using the root map on the sources.
import { spawnSync } from 'node:child_process';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');

await rm(dist, { recursive: true, force: true });

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const compiled = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (compiled.status !== 0) {
  console.error('build: tsc failed');
  process.exit(compiled.status ?? 1);
}

// Relative specifiers ending in .ts/.mts inside `from '…'`, `import('…')` and `import '…'`.
const tsSpecifier = /((?:\bfrom|\bimport)\s*\(?\s*)(['"])(\.{1,2}\/[^'"\n]*?)(?<!\.d)\.(m?)ts\2/g;
let declarations = 0;
for (const entry of await readdir(dist, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.d.ts')) continue;
  const file = join(entry.parentPath, entry.name);
  const text = await readFile(file, 'utf8');
  const rewritten = text.replace(tsSpecifier, (_, lead, quote, path, m) => `${lead}${quote}${path}.${m}js${quote}`);
  if (rewritten !== text) await writeFile(file, rewritten);
  declarations += 1;
}

const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
const toCompiled = (target, key) => {
  if (target === null) return null;
  if (typeof target === 'string') {
    const match = /^\.\/((?:src|machines)\/.+)\.(m?)ts$/.exec(target);
    if (!match) throw new Error(`build: package.json imports ${key} → ${target} is not a source file under src/ or machines/`);
    return `./${match[1]}.${match[2]}js`;
  }
  if (Array.isArray(target)) return target.map((t) => toCompiled(t, key));
  return Object.fromEntries(Object.entries(target).map(([condition, t]) => [condition, toCompiled(t, key)]));
};
const distPkg = { type: 'module' };
if (pkg.imports) distPkg.imports = Object.fromEntries(Object.entries(pkg.imports).map(([key, t]) => [key, toCompiled(t, key)]));
if (pkg.sideEffects !== undefined) distPkg.sideEffects = pkg.sideEffects;
await writeFile(
  join(dist, 'package.json'),
  `${JSON.stringify({ '//': 'Written by scripts/build.mjs: the module type and the imports map of the compiled files.', ...distPkg }, null, 2)}\n`,
);

console.log(`build: dist/ written (${declarations} declaration files)`);
