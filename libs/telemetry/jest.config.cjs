/** Jest config of libs/telemetry (unit specs and integration specs). */
module.exports = {
  displayName: 'telemetry',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/libs/telemetry',
};
