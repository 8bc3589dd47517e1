/**
 * Jest config of the gateway service (unit and integration specs). ts-jest runs
 * the @nestjs/swagger compiler plugin like the webpack build does
 * (openapi-plugin.cjs), with a full program (tsconfig.spec.json: no
 * isolatedModules), so `GET /openapi.json` in the integration spec is the real one.
 */
module.exports = {
  displayName: 'gateway',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/apps/gateway',
  transform: {
    '^.+\\.ts$': [
      'ts-jest',
      { tsconfig: '<rootDir>/tsconfig.spec.json', astTransformers: { before: ['<rootDir>/openapi-plugin.cjs'] } },
    ],
  },
};
