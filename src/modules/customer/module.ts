// Customers.
import type { FloeModule } from '../../kit/module.js';
import { customerRoutes } from './routes.js';

export const customerModule: FloeModule = {
  name: 'customer',
  routes: customerRoutes,
};
