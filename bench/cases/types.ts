import type { Database } from '../../src/kit/db.js';
import type { Measurement, MeasureOptions } from '../harness.js';

/** What every bench case is given: Floe's URL, a merchant with a full-scope token, the database. */
export interface BenchEnvironment {
  floeUrl: string;
  db: Database;
  databaseUrl: string;
  secret: string;
  merchant: { userId: string; organizationId: string; token: string };
  /**
   * Measures a case against its baseline in alternating rounds (baseline, case, baseline, case, …),
   * so that a host whose speed drifts during the run slows both alike; answers the round with the
   * median ratio.
   */
  measureAgainst(baseline: Baseline, name: string, options: MeasureOptions): Promise<{ measurement: Measurement; baseline: Measurement; ratio: number }>;
}

export type Baseline = 'empty' | 'select' | 'update';

export interface CaseResult {
  measurement: Measurement;
  /** The baseline the issue compares this case with; none for absolute targets. */
  baseline?: Baseline;
  /** The target, in words, e.g. "≥ 60% of select". */
  target: string;
  /** Whether the target is met, computed by the case from the figures. */
  met: (ratio: number | undefined, measurement: Measurement) => boolean;
  /** Extra figures worth writing down. */
  note?: string;
  /** The baseline measured with this case (see measureAgainst), and the ratio of that round. */
  paired?: { baseline: Measurement; ratio: number };
}

export interface BenchCase {
  name: string;
  run(environment: BenchEnvironment): Promise<CaseResult[]>;
}
