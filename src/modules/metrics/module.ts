// Metrics, and the compaction of their rollups.
import type { FloeModule } from '../../kit/module.js';
import { metricsCompaction } from './jobs.js';
import { metricsRoutes } from './routes.js';

export const metricsModule: FloeModule = {
  name: 'metrics',
  routes: metricsRoutes,
  tasks: [metricsCompaction],
};
