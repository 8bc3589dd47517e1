/** Jest config of libs/persistence (unit specs and integration specs). */
module.exports = {
  displayName: 'persistence',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/libs/persistence',
};
