// Products and prices.
import type { FloeModule } from '../../kit/module.js';
import { productRoutes } from './routes.js';

export const productModule: FloeModule = {
  name: 'product',
  routes: productRoutes,
};
