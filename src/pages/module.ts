// The pages Floe serves to people (after the API in the reference): the hosted checkout, the
// customer portal, the merchant dashboard and the OAuth2 consent page.
import type { FloeModule } from '../kit/module.js';
import { checkoutPages } from './checkout.js';
import { dashboardPages } from './dashboard.js';
import { oauth2ConsentPages } from './oauth2-consent.js';
import { portalPages } from './portal.js';

export const pagesModule: FloeModule = {
  name: 'pages',
  routes: (app, context) => {
    checkoutPages(app, context);
    portalPages(app, context);
    dashboardPages(app, context);
    oauth2ConsentPages(app, context);
  },
};
