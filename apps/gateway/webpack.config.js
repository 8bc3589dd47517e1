/**
 * Webpack build of the gateway service (shared config: tools/webpack/app.config.js),
 * with the @nestjs/swagger compiler plugin that feeds `GET /openapi.json`
 * (options: openapi-plugin.cjs).
 */
const { webpackTransformer } = require('./openapi-plugin.cjs');

module.exports = require('../../tools/webpack/app.config')('gateway', { transformers: [webpackTransformer] });
