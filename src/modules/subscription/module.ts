// Subscriptions, and the billing sweep that renews them.
import type { FloeModule } from '../../kit/module.js';
import { subscriptionBilling } from './jobs.js';
import { subscriptionRoutes } from './routes.js';

export const subscriptionModule: FloeModule = {
  name: 'subscription',
  routes: subscriptionRoutes,
  tasks: [subscriptionBilling],
};
