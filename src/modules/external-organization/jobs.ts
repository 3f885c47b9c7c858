// The periodic refresh of linked GitHub accounts: every sweep takes the accounts whose last attempt
// is older than REFRESH_INTERVAL_MS, one at a time (each worker claims different ones), and reads
// them again. A failure is logged with GitHub's reason and kept on the account; the stored copy
// stays. A refusal for the rate limit ends the sweep: the next accounts would be refused too.
import type { Context } from '../../kit/context.js';
import { clock } from '../../kit/clock.js';
import { periodicTask } from '../../kit/jobs.js';
import { RateLimitError } from '../benefit/integrations.js';
import { claimDueForRefresh, refreshExternalOrganization } from './service.js';

export const REFRESH_INTERVAL_MS = 6 * 3600 * 1000;
const SWEEP_MS = 60 * 1000;

/** Refreshes every linked account due; returns how many were refreshed. */
export async function refreshDueExternalOrganizations(context: Context, options: { intervalMs?: number } = {}): Promise<number> {
  if (!context.config.integrations.github) return 0;
  const before = new Date(clock.now().getTime() - (options.intervalMs ?? REFRESH_INTERVAL_MS));
  let refreshed = 0;
  for (;;) {
    const due = await claimDueForRefresh(context.db, before);
    if (!due) return refreshed;
    try {
      const { repositories } = await refreshExternalOrganization(context.db, context.config, due);
      refreshed += 1;
      context.log.info({ externalOrganization: due.name, ...repositories }, 'github refresh: stored the account and its repositories');
    } catch (error) {
      context.log.warn({ externalOrganization: due.name, reason: (error as Error).message }, `github refresh of ${due.name} failed, kept what was stored: ${(error as Error).message}`);
      if (error instanceof RateLimitError) return refreshed;
    }
  }
}

export const githubRefresh = periodicTask('github refresh', SWEEP_MS, refreshDueExternalOrganizations);
