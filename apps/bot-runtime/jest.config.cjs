/** Jest config of the bot-runtime service (unit and integration specs). */
module.exports = {
  displayName: 'bot-runtime',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/apps/bot-runtime',
};
