import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import OpenAI from 'openai';
import type { Logger } from 'pino';
import {
  BUILTIN_TASK_TYPES,
  MODEL_CLASSES,
  MODEL_NAME_MAX_LENGTH,
  MODULE_NAME_PATTERN,
  ModelClass,
  ModelPricing,
  ModelSpec,
  RegisterServiceRequest,
  ServiceLimits,
  ServiceView,
} from '@apiary/contracts';
import { flattenValidationErrors } from '@apiary/service-kit';
import type { RouterEnv } from '../env';

/**
 * Services registered from the router's environment at start-up (README
 * "Providers from the environment"; docs/architecture.md "Routing to AI services and
 * learning"): the AI services of the seed API, each named by a `*_SERVICE_URL`
 * variable, and one OpenAI-compatible LLM provider named by `APIARY_LLM_*`.
 * Parsing is pure and throws {@link EnvVariableError} naming the variable; the env
 * class (`RouterEnv`) runs the same parsers at boot, so a bad value stops the router
 * before anything is registered.
 */

/** One AI service of the seed API: the variable holding its base URL, its name and capability. */
export interface SeedServiceSpec {
  variable: 'IMAGE_SERVICE_URL' | 'VIDEO_SERVICE_URL' | 'CRYPTO_SERVICE_URL' | 'FRAUD_SERVICE_URL' | 'COMPRESSION_SERVICE_URL' | 'MARKETING_SERVICE_URL';
  service_name: string;
  capability: string;
}

/**
 * The seed API's AI services (README "Providers from the environment"): protocol
 * `process` (`POST {url}/process` with the task's data), default health check
 * (`GET {url}/health`).
 */
export const SEED_SERVICES: readonly SeedServiceSpec[] = [
  { variable: 'IMAGE_SERVICE_URL', service_name: 'image-service', capability: 'image_generation' },
  { variable: 'VIDEO_SERVICE_URL', service_name: 'video-service', capability: 'video_generation' },
  { variable: 'CRYPTO_SERVICE_URL', service_name: 'crypto-service', capability: 'crypto_prediction' },
  { variable: 'FRAUD_SERVICE_URL', service_name: 'fraud-service', capability: 'fraud_detection' },
  { variable: 'COMPRESSION_SERVICE_URL', service_name: 'compression-service', capability: 'compression' },
  { variable: 'MARKETING_SERVICE_URL', service_name: 'marketing-service', capability: 'marketing_intelligence' },
];

/** Name of the LLM provider's service when `APIARY_LLM_SERVICE_NAME` is unset. */
export const DEFAULT_LLM_SERVICE_NAME = 'llm';

/** Time the one `GET {base}/models` of model discovery may take, ms. */
export const MODEL_DISCOVERY_TIMEOUT_MS = 5000;

/** Most models one service may list (the registry's limit, `IsModelList`). */
export const MAX_MODELS = 200;

/** The `APIARY_LLM_*` variables that only make sense with `APIARY_LLM_BASE_URL`. */
export const LLM_DEPENDENT_VARIABLES = [
  'APIARY_LLM_API_KEY_ENV',
  'APIARY_LLM_MODELS',
  'APIARY_LLM_SERVICE_NAME',
  'APIARY_LLM_PRICING',
  'APIARY_LLM_RPM',
  'APIARY_LLM_TPM',
  'APIARY_LLM_MAX_CONCURRENCY',
  'APIARY_LLM_HEALTH_PATH',
] as const;

/** A variable's value cannot be used; the message starts with the variable's name. */
export class EnvVariableError extends Error {
  /**
   * @param variable the environment variable at fault
   * @param detail what is wrong (never the value of a secret)
   */
  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super(`${variable}: ${detail}`);
    this.name = 'EnvVariableError';
  }
}

/**
 * Parses `APIARY_LLM_MODELS`: comma-separated model names, each optionally
 * `name=class` with class `small`, `medium`, `large` or `code`
 * (`phi3.5=small,gemma2=medium,llama3.2=large,deepseek-coder=code`). Spaces around
 * entries are ignored; a name may contain `:` and `/` (`llama3.2:1b`,
 * `meta-llama/Llama-3-8B`); the class is what follows the last `=`.
 * @param text the variable's value
 * @param variable name used in errors
 * @returns the models in order: a name alone, or `{ name, class }`
 * @throws EnvVariableError for an empty entry, an empty or too long name (over 256
 *   characters), an unknown class, a name given twice, or more than 200 models
 */
export function parseModelList(text: string, variable = 'APIARY_LLM_MODELS'): (string | ModelSpec)[] {
  const entries = text.split(',').map((e) => e.trim());
  if (entries.length > MAX_MODELS) throw new EnvVariableError(variable, `at most ${MAX_MODELS} models (got ${entries.length})`);
  const seen = new Set<string>();
  return entries.map((entry, i) => {
    if (entry === '') throw new EnvVariableError(variable, `entry ${i + 1} is empty (expected name or name=class, comma-separated)`);
    const at = entry.lastIndexOf('=');
    const name = (at >= 0 ? entry.slice(0, at) : entry).trim();
    const cls = at >= 0 ? entry.slice(at + 1).trim() : undefined;
    if (name === '') throw new EnvVariableError(variable, `entry ${i + 1} "${entry}" has no model name`);
    if (name.length > MODEL_NAME_MAX_LENGTH) throw new EnvVariableError(variable, `entry ${i + 1}: model names are at most ${MODEL_NAME_MAX_LENGTH} characters`);
    if (cls !== undefined && !(MODEL_CLASSES as readonly string[]).includes(cls)) {
      throw new EnvVariableError(variable, `entry ${i + 1} "${entry}": class must be one of ${MODEL_CLASSES.join(', ')}`);
    }
    if (seen.has(name)) throw new EnvVariableError(variable, `model "${name}" is listed twice`);
    seen.add(name);
    return cls === undefined ? name : { name, class: cls as ModelClass };
  });
}

/** @returns the model names of a parsed `models` list */
export function modelNames(models: (string | ModelSpec)[]): string[] {
  return models.map((m) => (typeof m === 'string' ? m : m.name));
}

/**
 * Parses `APIARY_LLM_PRICING`: a JSON object of model → `{ "input_per_1m": n,
 * "output_per_1m": n }` (USD per million prompt / completion tokens, 0..1,000,000).
 * @param text the variable's value
 * @param models when given, the models the provider serves: a price for any other is an error
 * @param variable name used in errors
 * @throws EnvVariableError when the text is not such an object, a price is not a
 *   number in range, an entry has other fields, or it names a model not in `models`
 */
export function parsePricing(text: string, models?: string[], variable = 'APIARY_LLM_PRICING'): Record<string, ModelPricing> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new EnvVariableError(variable, 'must be JSON: { "<model>": { "input_per_1m": n, "output_per_1m": n } }');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new EnvVariableError(variable, 'must be a JSON object { "<model>": { "input_per_1m": n, "output_per_1m": n } }');
  }
  const out: Record<string, ModelPricing> = {};
  const known = models ? new Set(models) : undefined;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_MODELS) throw new EnvVariableError(variable, `at most ${MAX_MODELS} models`);
  for (const [model, price] of entries) {
    if (model === '' || model.length > MODEL_NAME_MAX_LENGTH) throw new EnvVariableError(variable, `model names are 1..${MODEL_NAME_MAX_LENGTH} characters`);
    if (typeof price !== 'object' || price === null || Array.isArray(price)) {
      throw new EnvVariableError(variable, `"${model}" must be { "input_per_1m": n, "output_per_1m": n }`);
    }
    const { input_per_1m, output_per_1m, ...rest } = price as Record<string, unknown>;
    const extra = Object.keys(rest);
    if (extra.length > 0) throw new EnvVariableError(variable, `"${model}" has unknown field(s) ${extra.join(', ')} (only input_per_1m, output_per_1m)`);
    for (const [field, v] of [['input_per_1m', input_per_1m], ['output_per_1m', output_per_1m]] as const) {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1_000_000) {
        throw new EnvVariableError(variable, `"${model}".${field} must be a number of USD per million tokens, 0..1000000`);
      }
    }
    if (known && !known.has(model)) throw new EnvVariableError(variable, `"${model}" is not one of APIARY_LLM_MODELS`);
    out[model] = { input_per_1m: input_per_1m as number, output_per_1m: output_per_1m as number };
  }
  return out;
}

/**
 * Checks `APIARY_LLM_SERVICE_NAME`: a module name (`^[a-z0-9][a-z0-9._-]{0,63}$`),
 * not a built-in module's, and not the name of a seed service whose variable is set.
 * @param name the value
 * @param env the other variables (to see which seed services are configured)
 * @throws EnvVariableError naming `APIARY_LLM_SERVICE_NAME`
 */
export function checkLlmServiceName(name: string, env: Partial<Record<string, unknown>>): string {
  const variable = 'APIARY_LLM_SERVICE_NAME';
  if (!MODULE_NAME_PATTERN.test(name)) throw new EnvVariableError(variable, 'must match ^[a-z0-9][a-z0-9._-]{0,63}$');
  if (Object.prototype.hasOwnProperty.call(BUILTIN_TASK_TYPES, name)) throw new EnvVariableError(variable, `"${name}" is the name of a built-in module`);
  const seed = SEED_SERVICES.find((s) => s.service_name === name && typeof env[s.variable] === 'string');
  if (seed) throw new EnvVariableError(variable, `"${name}" is the service ${seed.variable} registers`);
  return name;
}

/** @returns the `APIARY_LLM_*` variables set (non-empty) besides `APIARY_LLM_BASE_URL` */
export function llmVariablesSet(env: Partial<Record<string, unknown>>): string[] {
  return LLM_DEPENDENT_VARIABLES.filter((v) => env[v] !== undefined && env[v] !== '');
}

/** The router variables this module reads (a subset of `RouterEnv`, validated). */
export type EnvServicesSettings = Pick<
  RouterEnv,
  | SeedServiceSpec['variable']
  | 'APIARY_LLM_BASE_URL'
  | 'APIARY_LLM_API_KEY_ENV'
  | 'APIARY_LLM_MODELS'
  | 'APIARY_LLM_SERVICE_NAME'
  | 'APIARY_LLM_PRICING'
  | 'APIARY_LLM_RPM'
  | 'APIARY_LLM_TPM'
  | 'APIARY_LLM_MAX_CONCURRENCY'
  | 'APIARY_LLM_HEALTH_PATH'
>;

/** A registration to make, with the variable it comes from (for logs and errors). */
export interface EnvRegistration {
  variable: string;
  request: RegisterServiceRequest;
}

/**
 * The seed services to register: one `process` service per `*_SERVICE_URL` set
 * (README "Providers from the environment"), with the default health check.
 * @param env validated router environment
 */
export function seedServiceRequests(env: Partial<EnvServicesSettings>): EnvRegistration[] {
  const out: EnvRegistration[] = [];
  for (const s of SEED_SERVICES) {
    const url = env[s.variable];
    if (typeof url !== 'string' || url === '') continue;
    out.push({ variable: s.variable, request: { service_name: s.service_name, endpoint: url, protocol: 'process', capabilities: [s.capability] } });
  }
  return out;
}

/**
 * The LLM provider's registration (protocol `openai`), or undefined when
 * `APIARY_LLM_BASE_URL` is unset. Health checks are off unless
 * `APIARY_LLM_HEALTH_PATH` is set (then `GET {base}{path}`).
 * @param env validated router environment
 * @param discovered models the provider listed, used when `APIARY_LLM_MODELS` is unset
 * @returns the request, and the prices dropped because the listed models do not include them
 * @throws EnvVariableError when a variable cannot be parsed (the env class has checked them at boot)
 */
export function llmServiceRequest(
  env: Partial<EnvServicesSettings>,
  discovered?: string[],
): { variable: string; request: RegisterServiceRequest; droppedPrices: string[] } | undefined {
  const base = env.APIARY_LLM_BASE_URL;
  if (!base) return undefined;
  const models = env.APIARY_LLM_MODELS ? parseModelList(env.APIARY_LLM_MODELS) : [...(discovered ?? [])];
  const names = new Set(modelNames(models));
  const allPrices = env.APIARY_LLM_PRICING ? parsePricing(env.APIARY_LLM_PRICING, env.APIARY_LLM_MODELS ? [...names] : undefined) : {};
  const pricing = Object.fromEntries(Object.entries(allPrices).filter(([m]) => names.has(m)));
  const droppedPrices = Object.keys(allPrices).filter((m) => !names.has(m));
  const limits: ServiceLimits = {};
  if (env.APIARY_LLM_RPM !== undefined) limits.rpm = env.APIARY_LLM_RPM;
  if (env.APIARY_LLM_TPM !== undefined) limits.tpm = env.APIARY_LLM_TPM;
  if (env.APIARY_LLM_MAX_CONCURRENCY !== undefined) limits.max_concurrency = env.APIARY_LLM_MAX_CONCURRENCY;
  const request: RegisterServiceRequest = {
    service_name: env.APIARY_LLM_SERVICE_NAME ?? DEFAULT_LLM_SERVICE_NAME,
    endpoint: base,
    protocol: 'openai',
    models,
    health_check: env.APIARY_LLM_HEALTH_PATH ? { enabled: true, path: env.APIARY_LLM_HEALTH_PATH } : { enabled: false },
  };
  if (env.APIARY_LLM_API_KEY_ENV) request.api_key_env = env.APIARY_LLM_API_KEY_ENV;
  if (Object.keys(pricing).length > 0) request.pricing = pricing;
  if (Object.keys(limits).length > 0) request.limits = limits;
  return { variable: 'APIARY_LLM_BASE_URL', request, droppedPrices };
}

/**
 * Lists a provider's models (`GET {baseUrl}/models`) with the official `openai`
 * client, SDK retries off.
 * @param baseUrl API base URL, e.g. `http://127.0.0.1:11434/v1`
 * @param apiKey sent as `Authorization: Bearer`, or undefined (providers without keys)
 * @param timeoutMs time allowed for the call
 * @returns the listed model ids, in the provider's order
 * @throws the SDK's `APIError` subclasses (status, connection, timeout)
 */
export async function listModelsWithOpenAi(baseUrl: string, apiKey: string | undefined, timeoutMs: number): Promise<string[]> {
  const client = new OpenAI({ baseURL: baseUrl, apiKey: apiKey ?? 'no-key', maxRetries: 0, timeout: timeoutMs });
  const page = await client.models.list();
  return page.data.map((m) => m.id);
}

/** Lists a provider's models (default {@link listModelsWithOpenAi}). */
export type ModelLister = (baseUrl: string, apiKey: string | undefined, timeoutMs: number) => Promise<string[]>;

/** What happened to one variable's service at start-up. */
export interface EnvRegistrationOutcome {
  variable: string;
  service_name: string;
  /** `registered`; `skipped` (nothing to register: discovery failed or found no models); `failed` (the registry refused or was unreachable). */
  outcome: 'registered' | 'skipped' | 'failed';
  reason?: string;
  view?: ServiceView;
}

/** @returns the URL without user and password (for logs) */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = '';
      u.password = '';
      return u.toString().replace(/\/$/, url.endsWith('/') ? '/' : '');
    }
  } catch {
    // not a URL: shown as is (validated URLs only reach here)
  }
  return url;
}

function redactSecret(text: string, secret: string | undefined): string {
  return secret && secret.length >= 4 ? text.split(secret).join('****') : text;
}

/**
 * Registers the services named by the router's environment (README "Providers from
 * the environment") through the service registry at start-up. Each registration is
 * an upsert by name under the registry's lock, so several replicas starting at once
 * (or a restart) write the same values harmlessly; values edited through
 * `POST /services` for these names are replaced at the next start (a disabled
 * service stays disabled). Removing a variable does not deregister its service.
 * Never throws: a provider that cannot be asked for its models, or a registration
 * the registry refuses, is logged (naming the variable) and skipped.
 */
export class EnvServiceRegistrar {
  /**
   * @param registry the service registry (its `register`)
   * @param env validated router environment
   * @param logger pino logger
   * @param secrets where the API key named by `APIARY_LLM_API_KEY_ENV` is read for
   *   model discovery (default `process.env`); the key is never logged
   * @param listModels model discovery (default {@link listModelsWithOpenAi})
   * @param discoveryTimeoutMs time allowed for discovery (default {@link MODEL_DISCOVERY_TIMEOUT_MS})
   */
  constructor(
    private readonly registry: { register(req: RegisterServiceRequest): Promise<ServiceView> },
    private readonly env: Partial<EnvServicesSettings>,
    private readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>,
    private readonly secrets: Record<string, string | undefined> = process.env,
    private readonly listModels: ModelLister = listModelsWithOpenAi,
    private readonly discoveryTimeoutMs = MODEL_DISCOVERY_TIMEOUT_MS,
  ) {}

  /**
   * Registers the seed services, then the LLM provider (its models from
   * `APIARY_LLM_MODELS`, or asked of the provider once with `client.models.list()`).
   * @returns one outcome per configured variable, in that order
   */
  async registerAll(): Promise<EnvRegistrationOutcome[]> {
    const outcomes: EnvRegistrationOutcome[] = [];
    for (const r of seedServiceRequests(this.env)) outcomes.push(await this.registerOne(r));
    const llm = await this.llmRegistration();
    if (llm) outcomes.push('request' in llm ? await this.registerOne(llm) : llm);
    return outcomes;
  }

  private async llmRegistration(): Promise<EnvRegistration | EnvRegistrationOutcome | undefined> {
    const env = this.env;
    if (!env.APIARY_LLM_BASE_URL) return undefined;
    const name = env.APIARY_LLM_SERVICE_NAME ?? DEFAULT_LLM_SERVICE_NAME;
    const base = redactUrl(env.APIARY_LLM_BASE_URL);
    let discovered: string[] | undefined;
    if (!env.APIARY_LLM_MODELS) {
      const key = env.APIARY_LLM_API_KEY_ENV ? this.secrets[env.APIARY_LLM_API_KEY_ENV] : undefined;
      try {
        const listed = await this.listModels(env.APIARY_LLM_BASE_URL, key || undefined, this.discoveryTimeoutMs);
        discovered = [...new Set(listed.filter((m) => typeof m === 'string' && m.length > 0 && m.length <= MODEL_NAME_MAX_LENGTH))];
      } catch (err) {
        const e = err as { status?: number; message?: string };
        const reason = redactSecret(`GET ${base}/models failed${e.status ? ` with ${e.status}` : ''}: ${e.message ?? String(err)}`, key);
        this.logger.warn(
          { variable: 'APIARY_LLM_BASE_URL', service: name, endpoint: base },
          `${reason}; APIARY_LLM_MODELS is unset, so the LLM provider is not registered (set APIARY_LLM_MODELS to register it without asking)`,
        );
        return { variable: 'APIARY_LLM_BASE_URL', service_name: name, outcome: 'skipped', reason };
      }
      if (discovered.length === 0) {
        const reason = `GET ${base}/models listed no models`;
        this.logger.warn({ variable: 'APIARY_LLM_BASE_URL', service: name, endpoint: base }, `${reason}; the LLM provider is not registered`);
        return { variable: 'APIARY_LLM_BASE_URL', service_name: name, outcome: 'skipped', reason };
      }
      if (discovered.length > MAX_MODELS) {
        this.logger.warn({ variable: 'APIARY_LLM_BASE_URL', service: name, listed: discovered.length }, `the provider lists more than ${MAX_MODELS} models; the first ${MAX_MODELS} are registered (set APIARY_LLM_MODELS to choose)`);
        discovered = discovered.slice(0, MAX_MODELS);
      }
    }
    const built = llmServiceRequest(env, discovered);
    if (!built) return undefined;
    if (built.droppedPrices.length > 0) {
      this.logger.warn(
        { variable: 'APIARY_LLM_PRICING', service: name, models: built.droppedPrices },
        'APIARY_LLM_PRICING names models the provider does not list; those prices are ignored',
      );
    }
    return built;
  }

  private async registerOne({ variable, request }: EnvRegistration): Promise<EnvRegistrationOutcome> {
    const name = request.service_name;
    const endpoint = redactUrl(request.endpoint);
    const problems = flattenValidationErrors(validateSync(plainToInstance(RegisterServiceRequest, request), { forbidUnknownValues: false }))
      .flatMap((f) => f.constraints.map((c) => `${f.field}: ${c}`));
    if (problems.length > 0) {
      const reason = problems.join('; ');
      this.logger.error({ variable, service: name }, `service from ${variable} not registered: ${reason}`);
      return { variable, service_name: name, outcome: 'failed', reason };
    }
    try {
      const view = await this.registry.register(request);
      this.logger.info(
        { variable, service: name, endpoint, protocol: view.protocol, capabilities: view.capabilities, models: view.models.map((m) => m.name) },
        `registered service ${name} from ${variable}`,
      );
      return { variable, service_name: name, outcome: 'registered', view };
    } catch (err) {
      const reason = (err as Error)?.message ?? String(err);
      this.logger.error({ variable, service: name, endpoint, err }, `service from ${variable} not registered: ${reason}`);
      return { variable, service_name: name, outcome: 'failed', reason };
    }
  }
}
