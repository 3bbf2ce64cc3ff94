const preset = require('../../jest.preset.js');
module.exports = { ...preset, displayName: 'provider-proxy', rootDir: __dirname, testMatch: ['<rootDir>/{src,test}/**/*.{spec,test}.ts'], globalSetup: '<rootDir>/../../libs/testing/src/global-setup.ts', testTimeout: 60000 };
