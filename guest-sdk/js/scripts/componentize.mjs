#!/usr/bin/env node
// Builds a connector component from a compiled JavaScript entry module:
//
//   node componentize.mjs --kind source|sink --wit <project wit/> --out <x.wasm> <entry.js>
//
// It assembles the WIT (this SDK's wit/js.wit, its vendored WASI packages and the project's
// wit/connector.wit) and calls componentize-js with the http and fetch-event features off (the
// worker provides wasmtime-wasi only, no wasi:http). componentize-js is found through
// WASMCONNECT_JS_TOOLS (a directory holding node_modules/) or the `componentize-js` on PATH.
import { cpSync, existsSync, mkdirSync, realpathSync, rmSync, writeFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve, delimiter } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  options: { kind: { type: 'string' }, wit: { type: 'string' }, out: { type: 'string' } },
  allowPositionals: true,
});
if (!['source', 'sink'].includes(values.kind) || !values.wit || !values.out || positionals.length !== 1) {
  console.error('usage: componentize.mjs --kind source|sink --wit <wit dir> --out <x.wasm> <entry.js>');
  process.exit(2);
}

function componentizeModule() {
  const tools = process.env.WASMCONNECT_JS_TOOLS;
  if (tools) {
    const p = join(tools, 'node_modules/@bytecodealliance/componentize-js/src/componentize.js');
    if (existsSync(p)) return p;
    throw new Error(`WASMCONNECT_JS_TOOLS=${tools} has no node_modules/@bytecodealliance/componentize-js`);
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const bin = join(dir, 'componentize-js');
    if (dir && existsSync(bin)) return join(dirname(realpathSync(bin)), 'componentize.js');
  }
  throw new Error(
    'componentize-js 0.23.0 not found: put the toolchain bin dir (e.g. .tools/js/node_modules/.bin, from `make setup`) on PATH or set WASMCONNECT_JS_TOOLS',
  );
}

const sdk = dirname(dirname(fileURLToPath(import.meta.url)));
const out = resolve(values.out);
const witDir = `${out}.wit`;
rmSync(witDir, { recursive: true, force: true });
mkdirSync(join(witDir, 'deps'), { recursive: true });
cpSync(join(sdk, 'wit/js.wit'), join(witDir, 'js.wit'));
for (const d of readdirSync(join(sdk, 'wit/deps'))) cpSync(join(sdk, 'wit/deps', d), join(witDir, 'deps', d), { recursive: true });
mkdirSync(join(witDir, 'deps/connector'));
for (const f of readdirSync(values.wit)) {
  const p = join(values.wit, f);
  if (f.endsWith('.wit') && statSync(p).isFile()) cpSync(p, join(witDir, 'deps/connector', f));
}

const { componentize } = await import(pathToFileURL(componentizeModule()).href);
const { component } = await componentize({
  sourcePath: resolve(positionals[0]),
  witPath: witDir,
  worldName: `wasmconnect:js-guest/${values.kind}-connector@0.1.0`,
  disableFeatures: ['http', 'fetch-event'],
});
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, component);
rmSync(witDir, { recursive: true, force: true });
console.error(`wrote ${values.out} (${component.length} bytes)`);
