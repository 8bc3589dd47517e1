/** Jest config of the scaler service (unit and integration specs). */
module.exports = {
  displayName: 'scaler',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/apps/scaler',
};
