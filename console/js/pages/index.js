// The console's pages. Each is one module exporting `render(main, route)`; it is loaded when first
// visited. A page is offered (in the navigation, and at all) only to keys holding one of its
// `roles`. To add a page — e.g. "Pools and orders" once serial pools exist — write its module
// and add one entry here.

import { READ, ADMIN } from '../session.js';

export const pages = [
  { path: '/sign-in', title: 'Sign in', public: true, load: () => import('./signin.js') },
  { path: '/shopfloor', title: 'Packaging line key', roles: [], load: () => import('./shopfloor.js') },
  { path: '/overview', title: 'Overview', nav: 'Overview', roles: READ, load: () => import('./overview.js') },
  { path: '/release', title: 'Release to market', nav: 'Release', roles: READ, load: () => import('./release.js') },
  { path: '/sscc/:sscc', title: 'SSCC', roles: READ, load: () => import('./container.js') },
  { path: '/pack/:gtin/:serial', title: 'Pack', roles: READ, load: () => import('./pack.js') },
  { path: '/audit', title: 'Audit trail', nav: 'Audit', roles: READ, load: () => import('./audit.js') },
  { path: '/dashboard', title: 'Dashboard', nav: 'Dashboard', roles: ADMIN, load: () => import('./dashboard/index.js') },
  { path: '/dashboard/:section', title: 'Dashboard', roles: ADMIN, load: () => import('./dashboard/index.js') },
];

/** Where a key lands after signing in: the overview, or the packaging-line page for a key that may
 *  read nothing here. */
export function home(roles) {
  return READ.some((r) => roles.includes(r)) ? '/overview' : '/shopfloor';
}
