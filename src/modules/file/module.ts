// Files (and, with the local driver, the URLs it hands out).
import type { FloeModule } from '../../kit/module.js';
import { fileRoutes } from './routes.js';

export const fileModule: FloeModule = {
  name: 'file',
  routes: fileRoutes,
};
