/** Vercel entry point: vercel.json rewrites `/v1/:path*` here. */
export { default } from './_handler';
