/** Webpack build of the orchestrator-brain service (shared config: tools/webpack/app.config.js). */
module.exports = require('../../tools/webpack/app.config')('orchestrator-brain');
