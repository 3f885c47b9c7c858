// Downloadables.
import type { FloeModule } from '../../kit/module.js';
import { downloadableRoutes } from './routes.js';

export const downloadableModule: FloeModule = {
  name: 'downloadable',
  routes: downloadableRoutes,
};
