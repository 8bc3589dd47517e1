/** Jest config of the gateway service (unit and integration specs). */
module.exports = {
  displayName: 'gateway',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/apps/gateway',
};
