// Discounts.
import type { FloeModule } from '../../kit/module.js';
import { discountRoutes } from './routes.js';

export const discountModule: FloeModule = {
  name: 'discount',
  routes: discountRoutes,
};
