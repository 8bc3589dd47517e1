/**
 * Webpack config shared by every Apiary service: one node bundle per app at
 * dist/apps/<app>/main.js, node_modules left external, TypeScript through ts-loader
 * (decorator metadata kept). Type checking is `npm run typecheck`, once for the
 * workspace, not once per bundle.
 */
const { NxAppWebpackPlugin } = require('@nx/webpack/app-plugin');
const { join } = require('path');

/**
 * @param {string} app app folder name under apps/
 * @returns {import('webpack').Configuration}
 */
module.exports = function appWebpackConfig(app) {
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
      }),
    ],
  };
};
