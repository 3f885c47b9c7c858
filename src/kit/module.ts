// What a module brings to Floe, declared in one place (its module.ts): its HTTP routes (API and
// pages), the handlers of the jobs it enqueues, the background tasks that find its due work, and
// the kinds of token it resolves. The app serves the routes of every module; a worker runs every
// module's jobs and tasks (src/modules.ts lists them).
import type { Authenticator } from './auth.js';
import type { Context } from './context.js';
import type { App } from './http.js';
import type { JobHandler } from './jobs.js';

/** Something running in the background until stopped. */
export interface RunningTask {
  stop(): Promise<void>;
}

/** A long-running background task (a queue runner, a dispatcher, a scheduler). */
export interface BackgroundTask {
  name: string;
  start(context: Context): RunningTask;
}

export interface FloeModule {
  name: string;
  routes?: (app: App, context: Context) => void;
  /** Job handlers by job name (a name belongs to one module). */
  jobs?: Record<string, JobHandler>;
  tasks?: BackgroundTask[];
  /** Registers the token kinds the module issues with the authenticator. */
  tokens?: (authenticator: Authenticator) => void;
}

/** Every module's job handlers by name; two modules claiming one name is a mistake caught at start. */
export function jobHandlersOf(modules: readonly FloeModule[]): Map<string, JobHandler> {
  const handlers = new Map<string, JobHandler>();
  for (const module of modules) {
    for (const [name, handler] of Object.entries(module.jobs ?? {})) {
      if (handlers.has(name)) throw new Error(`job "${name}" is handled by two modules`);
      handlers.set(name, handler);
    }
  }
  return handlers;
}
