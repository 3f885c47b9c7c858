// Users: who is signed in.
import type { FloeModule } from '../../kit/module.js';
import { userRoutes } from './routes.js';

export const userModule: FloeModule = {
  name: 'user',
  routes: userRoutes,
};
