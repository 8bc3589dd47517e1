/** Jest config of the orchestrator-brain service (unit and integration specs). */
module.exports = {
  displayName: 'orchestrator-brain',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/apps/orchestrator-brain',
};
