/** Jest config of libs/testing (unit specs and integration specs). */
module.exports = {
  displayName: 'testing',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/libs/testing',
};
