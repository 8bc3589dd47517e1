/**
 * The @nestjs/swagger compiler plugin as the gateway uses it, in one place for both
 * compilers of the gateway's TypeScript:
 * - the webpack build (`webpackTransformer`, an NxAppWebpackPlugin `transformers`
 *   entry, see webpack.config.js), which makes the served OpenAPI document;
 * - ts-jest (this module is also a ts-jest AST transformer: `name`, `version`,
 *   `factory`, see jest.config.cjs), so the in-process integration spec checks the
 *   same document.
 *
 * The plugin adds `@ApiProperty` metadata (type, required from `?`, enums from
 * literal unions and `@IsIn`, limits and patterns from class-validator decorators,
 * descriptions from JSDoc) to every class of the matched files. It matches on
 * `fileName.includes(suffix)`: the gateway's `*.dto.ts` and the request DTOs of
 * libs/contracts used by the HTTP routes (`brain/`, `bots/`, `router/`, `workflows/`, `ai/`, `datasets/`), which stay free of any
 * @nestjs/swagger import in source (the import is added in the gateway's compiled
 * output only). Controllers are the `*.handler.ts` files; every route declares its
 * responses explicitly (apps/gateway/src/openapi/), so the plugin only adds the
 * operation summary where a route has none.
 */
const { createHash } = require('node:crypto');

/** @type {import('@nestjs/swagger/dist/plugin/merge-options').PluginOptions} */
const PLUGIN_OPTIONS = Object.freeze({
  dtoFileNameSuffix: ['.dto.ts', '/libs/contracts/src/brain/', '/libs/contracts/src/bots/', '/libs/contracts/src/router/', '/libs/contracts/src/workflows/', '/libs/contracts/src/ai/', '/libs/contracts/src/datasets/'],
  controllerFileNameSuffix: ['.handler.ts'],
  classValidatorShim: true,
  introspectComments: true,
});

/** A fresh copy (the plugin mutates the object it is given). */
function pluginOptions() {
  return JSON.parse(JSON.stringify(PLUGIN_OPTIONS));
}

module.exports = {
  pluginOptions,
  /** NxAppWebpackPlugin `transformers` entry. */
  get webpackTransformer() {
    return { name: '@nestjs/swagger/plugin', options: pluginOptions() };
  },
  // ts-jest AST transformer interface. ts-jest caches compiled files by transformer
  // name and version: the version changes with the options and the plugin version.
  name: 'apiary-nestjs-swagger-plugin',
  version: createHash('sha256')
    .update(JSON.stringify(PLUGIN_OPTIONS))
    .update(require('@nestjs/swagger/package.json').version)
    .digest('hex')
    .slice(0, 12),
  /** @param {{ program?: import('typescript').Program }} compiler ts-jest's compiler (needs a program: no isolatedModules) */
  factory(compiler) {
    return require('@nestjs/swagger/plugin').before(pluginOptions(), compiler.program);
  },
};
