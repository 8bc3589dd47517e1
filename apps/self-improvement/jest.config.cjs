/** Jest config of the self-improvement service (unit and integration specs). */
module.exports = {
  displayName: 'self-improvement',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/apps/self-improvement',
};
