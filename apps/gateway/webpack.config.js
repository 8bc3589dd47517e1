/** Webpack build of the gateway service (shared config: tools/webpack/app.config.js). */
module.exports = require('../../tools/webpack/app.config')('gateway');
