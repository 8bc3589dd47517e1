/** Webpack build of the bot-runtime service (shared config: tools/webpack/app.config.js). */
module.exports = require('../../tools/webpack/app.config')('bot-runtime');
