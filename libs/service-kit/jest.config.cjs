/** Jest config of libs/service-kit (unit specs and integration specs). */
module.exports = {
  displayName: 'service-kit',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/libs/service-kit',
};
