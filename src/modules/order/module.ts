// Orders.
import type { FloeModule } from '../../kit/module.js';
import { orderRoutes } from './routes.js';

export const orderModule: FloeModule = {
  name: 'order',
  routes: orderRoutes,
};
