// Advertisements.
import type { FloeModule } from '../../kit/module.js';
import { advertisementRoutes } from './routes.js';

export const advertisementModule: FloeModule = {
  name: 'advertisement',
  routes: advertisementRoutes,
};
