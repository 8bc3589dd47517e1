/** Webpack build of the memory service (shared config: tools/webpack/app.config.js). */
module.exports = require('../../tools/webpack/app.config')('memory');
