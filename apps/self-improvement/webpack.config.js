/** Webpack build of the self-improvement service (shared config: tools/webpack/app.config.js). */
module.exports = require('../../tools/webpack/app.config')('self-improvement');
