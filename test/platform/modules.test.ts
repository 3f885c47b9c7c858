// How Floe is put together: each module declares what it brings in its module.ts, src/modules.ts
// lists them all, the app and workers read that list only, and the shared kit depends on nothing
// built on it.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { MODULES } from '../../src/modules.js';
import { jobHandlersOf } from '../../src/kit/module.js';

const SRC = new URL('../../src/', import.meta.url).pathname;
const importsOf = (file: string) => [...readFileSync(join(SRC, file), 'utf8').matchAll(/from '([^']+)'/g)].map((match) => match[1]!);

test('every module folder with routes, jobs or tasks declares a module.ts, and every one is in MODULES', () => {
  const listed = new Set(MODULES.map((module) => module.name));
  for (const folder of readdirSync(join(SRC, 'modules'))) {
    const files = readdirSync(join(SRC, 'modules', folder));
    const brings = files.some((file) => ['routes.ts', 'jobs.ts', 'delivery.ts'].includes(file));
    if (!brings) continue;
    assert.ok(files.includes('module.ts'), `src/modules/${folder} has routes or jobs but no module.ts`);
    assert.ok(listed.has(folder), `src/modules/${folder}/module.ts is not in src/modules.ts`);
  }
});

test('the app and the worker read the module list, not the modules', () => {
  for (const file of ['app.ts', 'worker.ts']) {
    const direct = importsOf(file).filter((path) => path.startsWith('./modules/') || path.startsWith('./pages/'));
    assert.deepEqual(direct, [], `${file} imports modules directly`);
  }
});

test('the kit imports nothing built on it (modules, pages, the app, the worker)', () => {
  for (const file of readdirSync(join(SRC, 'kit'))) {
    const upward = importsOf(join('kit', file)).filter((path) => /^\.\.\/(modules|pages|worker|app|modules\.js|main)/.test(path));
    assert.deepEqual(upward, [], `src/kit/${file} imports ${upward.join(', ')}`);
  }
});

test('job names belong to one module each, and no module registers anything by being imported', () => {
  assert.ok(jobHandlersOf(MODULES).size > 5);
  for (const folder of readdirSync(join(SRC, 'modules'))) {
    for (const file of readdirSync(join(SRC, 'modules', folder)).filter((name) => name.endsWith('.ts'))) {
      const text = readFileSync(join(SRC, 'modules', folder, file), 'utf8');
      assert.doesNotMatch(text, /^register\w+\(/m, `src/modules/${folder}/${file} registers something at load`);
    }
  }
});
