/** Webpack build of the task-router service (shared config: tools/webpack/app.config.js). */
module.exports = require('../../tools/webpack/app.config')('task-router');
