// Checkout sessions: the success of a confirmation (a job) and the expiry of open ones (a sweep).
import type { FloeModule } from '../../kit/module.js';
import { checkoutExpiry, checkoutJobs } from './jobs.js';
import { checkoutRoutes } from './routes.js';

export const checkoutModule: FloeModule = {
  name: 'checkout',
  routes: checkoutRoutes,
  jobs: checkoutJobs,
  tasks: [checkoutExpiry],
};
