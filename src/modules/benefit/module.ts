// Benefits, and the grant engine's jobs.
import type { FloeModule } from '../../kit/module.js';
import { benefitJobs } from './jobs.js';
import { benefitRoutes } from './routes.js';

export const benefitModule: FloeModule = {
  name: 'benefit',
  routes: benefitRoutes,
  jobs: benefitJobs,
};
