// The rollups grow by a row per write; folding them every few seconds keeps each read to about a
// row per product and day, however many orders there are.
import { periodicTask } from '../../kit/jobs.js';
import { compactMetrics } from './service.js';

const COMPACTION_INTERVAL_MS = 5000;

export const metricsCompaction = periodicTask('metrics compaction', COMPACTION_INTERVAL_MS, (context) => compactMetrics(context.db));
