/** End-to-end specs: all seven services from dist/, driven through the gateway. */
module.exports = {
  displayName: 'e2e',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
  testTimeout: 120_000,
};
