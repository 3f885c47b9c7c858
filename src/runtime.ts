// Start-up shared by every command: read the settings, find the database (external or embedded),
// apply migrations.
import type { Config } from './config.js';
import { startEmbeddedPostgres } from './db/embedded.js';
import { migrate } from './db/migrate.js';
import { openDatabase, type DatabaseHandle } from './kit/db.js';

export interface Runtime {
  database: DatabaseHandle;
  /** The read replica (DATABASE_READ_URL), when configured: its pool connects on first use. */
  replica: DatabaseHandle | undefined;
  /** Closes the pool and stops the embedded PostgreSQL if this process started it. */
  close(): Promise<void>;
}

/** `poolSize`: the pool's connections, the configured size unless a command needs fewer. */
export async function startRuntime(config: Config, log: (message: string) => void, options: { poolSize?: number } = {}): Promise<Runtime> {
  let url = config.databaseUrl;
  let stopEmbedded = async () => {};
  if (!url) {
    const embedded = await startEmbeddedPostgres(config.dataDir, log);
    url = embedded.url;
    stopEmbedded = embedded.stop;
  }
  try {
    const applied = await migrate(url);
    if (applied.length > 0) log(`applied migrations: ${applied.join(', ')}`);
  } catch (error) {
    await stopEmbedded();
    throw error;
  }
  const database = openDatabase(url, { max: options.poolSize ?? config.databasePoolSize });
  const replica = config.databaseReadUrl ? openDatabase(config.databaseReadUrl, { max: options.poolSize ?? config.databasePoolSize }) : undefined;
  return {
    database,
    replica,
    async close() {
      await replica?.close();
      await database.close();
      await stopEmbedded();
    },
  };
}
