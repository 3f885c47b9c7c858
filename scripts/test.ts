// `npm test`: finds a PostgreSQL (see test/helpers/database.ts), migrates a template database once,
// then runs every test file with Node's test runner; each file copies the template.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { migrate } from '../src/db/migrate.js';
import { adminQuery, findTestServer, withDatabase } from '../test/helpers/database.js';

function testFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) return testFiles(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}

const only = process.argv.slice(2);
const files = only.length > 0 ? only : testFiles('test').sort();
const server = await findTestServer();
const template = `floe_template_${randomBytes(4).toString('hex')}`;
await adminQuery(server.url, `CREATE DATABASE ${template}`);
let code = 1;
try {
  await migrate(withDatabase(server.url, template));
  code = await new Promise<number>((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--test', `--test-concurrency=${process.env.FLOE_TEST_CONCURRENCY ?? 2}`, '--test-reporter=spec', ...files],
      {
        stdio: 'inherit',
        env: { ...process.env, FLOE_TEST_SERVER_URL: server.url, FLOE_TEST_TEMPLATE: template, FLOE_LOG_LEVEL: process.env.FLOE_LOG_LEVEL ?? 'silent' },
      },
    );
    child.on('exit', (exitCode) => resolve(exitCode ?? 1));
  });
} finally {
  await adminQuery(server.url, `DROP DATABASE IF EXISTS ${template} WITH (FORCE)`).catch(() => {});
  await server.embedded?.stop();
}
process.exit(code);
