/** Jest config of the task-router service (unit and integration specs). */
module.exports = {
  displayName: 'task-router',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/apps/task-router',
};
