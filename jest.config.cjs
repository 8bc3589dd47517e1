/**
 * Root Jest config: every project's specs in one run (`npm test`). Global options
 * (timeouts) live here: Jest ignores them in project configs.
 */
const { getJestProjectsAsync } = require('@nx/jest');

module.exports = async () => ({
  projects: await getJestProjectsAsync(),
  testTimeout: 120_000,
});
