/**
 * Webpack config shared by every Apiary service: one node bundle per app at
 * dist/apps/<app>/main.js, node_modules left external, TypeScript through ts-loader
 * (decorator metadata kept). Type checking is `npm run typecheck`, once for the
 * workspace, not once per bundle.
 *
 * An app may add TypeScript transformers (the gateway adds the @nestjs/swagger
 * plugin); with none, the config is exactly the plain one. Note that a transformer
 * makes ts-loader build a full program (`transpileOnly` off) for that app only.
 */
const { NxAppWebpackPlugin } = require('@nx/webpack/app-plugin');
const { join } = require('path');

/**
 * @param {string} app app folder name under apps/
 * @param {{ transformers?: Array<string | { name: string, options?: object }> }} [options]
 *   `transformers`: NxAppWebpackPlugin compiler plugins (only when non-empty)
 * @returns {import('webpack').Configuration}
 */
module.exports = function appWebpackConfig(app, options = {}) {
  const transformers = options.transformers ?? [];
  return {
    output: { path: join(__dirname, '../../dist/apps', app), clean: true },
    devtool: 'source-map',
    plugins: [
      new NxAppWebpackPlugin({
        target: 'node',
        compiler: 'tsc',
        main: './src/main.ts',
        tsConfig: './tsconfig.app.json',
        optimization: false,
        outputHashing: 'none',
        generatePackageJson: false,
        externalDependencies: 'all',
        skipTypeChecking: true,
        sourceMap: true,
        ...(transformers.length > 0 ? { transformers } : {}),
      }),
    ],
  };
};
