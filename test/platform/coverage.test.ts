// How much of the contract Floe routes: every operation of @polar-sh/sdk@0.21.0 (one file per
// operation in its src/funcs/, each naming its method and path) looked up in Floe's own OpenAPI
// document. Path parameters are compared by position, not by name.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startTestApp } from '../helpers/app.js';

const FUNCS_DIR = fileURLToPath(new URL('../../node_modules/@polar-sh/sdk/src/funcs/', import.meta.url));
const normalize = (path: string) => path.replace(/\{[^}]+\}/g, '{}');

function sdkOperations(): { name: string; method: string; path: string }[] {
  return readdirSync(FUNCS_DIR)
    .filter((file) => file.endsWith('.ts'))
    .map((file) => {
      const source = readFileSync(FUNCS_DIR + file, 'utf8');
      const path = /pathToFunc\(\s*"([^"]+)"/.exec(source)?.[1];
      const method = /method: "([A-Z]+)"/.exec(source)?.[1];
      if (!path || !method) throw new Error(`no method and path in ${file}`);
      return { name: file.replace(/\.ts$/, ''), method: method.toLowerCase(), path: normalize(path) };
    });
}

test('Floe routes all 98 of the SDK 0.21 operations', async () => {
  const floe = await startTestApp();
  const document = (await (await fetch(`${floe.baseUrl}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
  const routed = new Set(Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method} ${normalize(path)}`)));
  const operations = sdkOperations();
  assert.equal(operations.length, 98);
  const missing = operations.filter((operation) => !routed.has(`${operation.method} ${operation.path}`));
  assert.deepEqual(missing.map((operation) => operation.name), []);
});
