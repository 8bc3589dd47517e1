/** Jest config of libs/datasets (unit specs: type inference, accumulators, merges, CSV upload). */
module.exports = {
  displayName: 'datasets',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/libs/datasets',
};
