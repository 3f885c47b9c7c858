// The customer portal's API.
import type { FloeModule } from '../../kit/module.js';
import { customerPortalRoutes } from './routes.js';

export const customerPortalModule: FloeModule = {
  name: 'customer-portal',
  routes: customerPortalRoutes,
};
