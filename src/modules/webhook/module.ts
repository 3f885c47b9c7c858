// Webhook endpoints, and the dispatcher that delivers events to them.
import type { FloeModule } from '../../kit/module.js';
import { webhookDelivery } from './delivery.js';
import { webhookRoutes } from './routes.js';

export const webhookModule: FloeModule = {
  name: 'webhook',
  routes: webhookRoutes,
  tasks: [webhookDelivery],
};
