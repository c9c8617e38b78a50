import type { Route } from '../http/route';

/** Merchant API and shopper checkout routes — owned by the merchant area. */
export const merchantRoutes: Route[] = [];
