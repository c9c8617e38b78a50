import type { Route } from '../http/route';

/** Risk step-up, vault approvals, contract evidence — owned by the risk/privacy area. */
export const protectionRoutes: Route[] = [];
