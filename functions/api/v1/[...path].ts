/** Vercel entry point for `/api/v1/*` (catch-all); same handler as `api/v1.ts`. */
export { default } from '../_handler';
