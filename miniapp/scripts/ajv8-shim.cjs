/**
 * Install-layout adapter (preloaded with `node --require` by the build scripts).
 *
 * With `legacy-peer-deps=true` npm hoists `ajv-keywords@5` (peer: ajv ^8) next to `ajv@6`
 * at the repository root, so `schema-utils@4` (webpack-dev-server, loaded by the Taro CLI)
 * dies with "Cannot find module 'ajv/dist/compile/codegen'". This resolves `ajv` requests
 * coming from that `ajv-keywords` to the ajv 8 copy npm already installed elsewhere.
 * Remove once the root install puts ajv 8 beside ajv-keywords 5.
 */
const Module = require('node:module');
const path = require('node:path');
const fs = require('node:fs');

function findAjv8() {
  const root = path.resolve(__dirname, '..', '..', 'node_modules');
  for (const dir of ['schema-utils/node_modules/ajv', 'ajv-formats/node_modules/ajv', 'ajv']) {
    const pkg = path.join(root, dir, 'package.json');
    if (fs.existsSync(pkg) && JSON.parse(fs.readFileSync(pkg, 'utf8')).version.startsWith('8.')) {
      return path.join(root, dir);
    }
  }
  return undefined;
}

const ajv8Dir = findAjv8();
const original = Module._resolveFilename;
Module._resolveFilename = function resolveWithAjv8(request, parent, ...rest) {
  if (
    ajv8Dir &&
    (request === 'ajv' || request.startsWith('ajv/')) &&
    parent?.filename &&
    /[\\/]node_modules[\\/]ajv-keywords[\\/]/.test(parent.filename)
  ) {
    try {
      return original.call(this, request, parent, ...rest);
    } catch {
      return original.call(this, path.join(ajv8Dir, request.slice('ajv'.length)), parent, ...rest);
    }
  }
  return original.call(this, request, parent, ...rest);
};
