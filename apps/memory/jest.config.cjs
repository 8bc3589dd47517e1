/** Jest config of the memory service (unit and integration specs). */
module.exports = {
  displayName: 'memory',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/apps/memory',
};
