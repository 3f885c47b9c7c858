// Customer sessions and the portal's sign-in by code.
import type { FloeModule } from '../../kit/module.js';
import { customerSessionCodeRoutes, customerSessionRoutes } from './routes.js';
import { registerCustomerSessionResolver } from './token.js';

export const customerSessionModule: FloeModule = {
  name: 'customer-session',
  routes: (app, context) => {
    customerSessionRoutes(app, context);
    customerSessionCodeRoutes(app, context);
  },
  tokens: registerCustomerSessionResolver,
};
