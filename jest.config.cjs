/** Root Jest config: every project's specs in one run (`npm test`). */
const { getJestProjectsAsync } = require('@nx/jest');

module.exports = async () => ({
  projects: await getJestProjectsAsync(),
});
