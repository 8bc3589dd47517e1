/** Webpack build of the scaler service (shared config: tools/webpack/app.config.js). */
module.exports = require('../../tools/webpack/app.config')('scaler');
