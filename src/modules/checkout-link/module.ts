// Checkout links.
import type { FloeModule } from '../../kit/module.js';
import { checkoutLinkRoutes } from './routes.js';

export const checkoutLinkModule: FloeModule = {
  name: 'checkout-link',
  routes: checkoutLinkRoutes,
};
