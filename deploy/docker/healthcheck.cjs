// Container health check for Docker / docker compose (the Helm chart uses HTTP probes instead).
// The gateway answers GET /health on APIARY_HTTP_PORT; every other app answers GET /readyz on
// APIARY_PROBE_PORT. APIARY_HEALTHCHECK_URL overrides both. Exit 0 healthy, 1 unhealthy.
'use strict';

const env = process.env;
const url =
  env.APIARY_HEALTHCHECK_URL ||
  (env.APP === 'gateway' || (!env.APIARY_PROBE_PORT && env.APIARY_HTTP_PORT)
    ? `http://127.0.0.1:${env.APIARY_HTTP_PORT || 8080}/health`
    : `http://127.0.0.1:${env.APIARY_PROBE_PORT || 8081}/readyz`);

fetch(url, { signal: AbortSignal.timeout(4000) })
  .then((res) => {
    if (!res.ok) console.error(`${url}: HTTP ${res.status}`);
    process.exit(res.ok ? 0 : 1);
  })
  .catch((err) => {
    console.error(`${url}: ${err.message}`);
    process.exit(1);
  });
