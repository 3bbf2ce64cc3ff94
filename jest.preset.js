// Shared jest settings: TypeScript through SWC (no type-check here: `npm run typecheck` does
// that once for the whole tree). SWC rewrites the @gatewayz/* aliases from tsconfig.base.json at
// transform time, so they resolve everywhere, global setup included.
const path = require('node:path');
const { compilerOptions } = require('./tsconfig.base.json');

const root = __dirname;

// ESM-only packages jest (CommonJS, Node 20) must compile before it can require them.
const ESM_ONLY = ['jose'];

module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript' },
          target: 'es2022',
          baseUrl: root,
          paths: compilerOptions.paths,
        },
        module: { type: 'commonjs' },
        sourceMaps: 'inline',
      },
    ],
    [`node_modules/(${ESM_ONLY.join('|')})/.+\\.js$`]: ['@swc/jest', { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY.join('|')})/)`],
  moduleFileExtensions: ['ts', 'js', 'json', 'node'],
  moduleNameMapper: {
    // Prisma's generated client imports its siblings with a .js suffix.
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  clearMocks: true,
};
