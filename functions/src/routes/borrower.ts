import type { Route } from '../http/route';

/** Borrower API (mini-program → functions). */
export const borrowerRoutes: Route[] = [];
