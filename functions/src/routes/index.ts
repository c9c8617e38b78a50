/**
 * The route table: every /v1 endpoint of every area. The OpenAPI document and the
 * dispatcher both read it.
 */
import '../batch/credit-payout';
import type { Route } from '../http/route';
import { borrowerRoutes } from './borrower';
import { merchantRoutes } from './merchant';
import { protectionRoutes } from './protection';
import { systemRoutes } from './system';

export function allRoutes(): Route[] {
  return [...systemRoutes, ...borrowerRoutes, ...merchantRoutes, ...protectionRoutes];
}
