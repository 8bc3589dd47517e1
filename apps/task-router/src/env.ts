import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsUrl, isURL, Matches, Max, Min, registerDecorator, ValidateIf, ValidationArguments } from 'class-validator';
import { ENV_VAR_NAME_PATTERN, ROUTING_STRATEGIES, RoutingStrategy } from '@apiary/contracts';
import { DatabaseServiceEnv } from '@apiary/service-kit';
import { checkLlmServiceName, llmVariablesSet, modelNames, parseModelList, parsePricing } from './registry/env-services';

/** URLs of services from the environment: http(s), host names without a TLD allowed (README "Providers from the environment"). */
const SERVICE_URL = { require_tld: false, protocols: ['http', 'https'], require_protocol: true };

/** Message of a bad service URL variable. */
function urlMessage(variable: string): string {
  return `${variable} must be an http(s) URL, e.g. http://127.0.0.1:5001`;
}

/**
 * Checks a variable with a parser of registry/env-services.ts; the message is the
 * parser's (loadEnv prefixes it with the variable's name).
 * @param parse throws an error whose message says what is wrong
 * @param whenMissing message when the variable is unset (for variables validated
 *   conditionally with `ValidateIf`); default "must be a string"
 */
function ParsesWith(parse: (value: string, env: Record<string, unknown>) => unknown, whenMissing?: (env: Record<string, unknown>) => string): PropertyDecorator {
  const problem = (value: unknown, args: ValidationArguments): string | undefined => {
    if (value === undefined && whenMissing) return whenMissing(args.object as Record<string, unknown>);
    if (typeof value !== 'string') return `${args.property} must be a string`;
    try {
      parse(value, args.object as Record<string, unknown>);
      return undefined;
    } catch (e) {
      // The parser's message starts with the variable's name, which loadEnv prints already.
      const message = (e as Error).message;
      return message.startsWith(`${args.property}: `) ? message.slice(args.property.length + 2) : message;
    }
  };
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'parsesWith',
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate: (value: unknown, args: ValidationArguments) => problem(value, args) === undefined,
        defaultMessage: (args?: ValidationArguments) => (args ? (problem(args.value, args) ?? '') : 'invalid value'),
      },
    });
}

/** Environment of task-router, validated at boot (README "Configuration"). */
export class RouterEnv extends DatabaseServiceEnv {
  /**
   * Strategy of the default routing policy until one is stored with `PUT
   * /routing/policies/*`: round_robin, random, least_loaded or learned (default learned).
   */
  @IsOptional() @IsIn(ROUTING_STRATEGIES)
  APIARY_ROUTING_STRATEGY: RoutingStrategy = 'learned';

  /** How long `learned` routing waits for the brain's decision before falling back to least_loaded, ms (default 500). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(10) @Max(60_000)
  APIARY_LEARNED_TIMEOUT_MS = 500;

  /** Period of a service's active health check (`GET {endpoint}{path}`), ms (default 10,000). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(50) @Max(3_600_000)
  APIARY_HEALTH_CHECK_INTERVAL_MS = 10_000;

  /** Timeout of one health check request, ms (default 2,000). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(10) @Max(600_000)
  APIARY_HEALTH_CHECK_TIMEOUT_MS = 2000;

  /** Consecutive failed checks that make a service `unhealthy` (default 3; one failure makes it `degraded`). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100)
  APIARY_HEALTH_UNHEALTHY_THRESHOLD = 3;

  /** Consecutive successful checks that make a service `healthy` again (default 2). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100)
  APIARY_HEALTH_HEALTHY_THRESHOLD = 2;

  /** How often a replica checks PostgreSQL for registry, health or policy changes made elsewhere, ms (default 1,000). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(20) @Max(600_000)
  APIARY_ROUTER_REFRESH_MS = 1000;

  /** How often buffered routing counters are added to PostgreSQL, ms (default 1,000). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(20) @Max(600_000)
  APIARY_ROUTER_STATS_FLUSH_MS = 1000;

  /** A runtime replica's breaker reports count in `breaker_states` for this long after its last report, ms (default 300,000). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1000) @Max(86_400_000)
  APIARY_BREAKER_REPORT_TTL_MS = 300_000;

  /** How often provider pauses (429) and limit usage are re-read from PostgreSQL, ms (default 1,000). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(50) @Max(600_000)
  APIARY_QUOTA_REFRESH_MS = 1000;

  /** Tokens one call is assumed to take for a TPM-limited service's dispatch rate until usage is seen (default 1,000). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(10_000_000)
  APIARY_QUOTA_DEFAULT_TOKENS = 1000;

  // Services registered at start-up (README "Providers from the environment"): the
  // seed API's AI services (protocol `process`) and one OpenAI-compatible provider.

  /** Base URL of the image service (`image-service`, capability `image_generation`). */
  @IsOptional() @IsUrl(SERVICE_URL, { message: urlMessage('IMAGE_SERVICE_URL') })
  IMAGE_SERVICE_URL?: string;

  /** Base URL of the video service (`video-service`, capability `video_generation`). */
  @IsOptional() @IsUrl(SERVICE_URL, { message: urlMessage('VIDEO_SERVICE_URL') })
  VIDEO_SERVICE_URL?: string;

  /** Base URL of the crypto service (`crypto-service`, capability `crypto_prediction`). */
  @IsOptional() @IsUrl(SERVICE_URL, { message: urlMessage('CRYPTO_SERVICE_URL') })
  CRYPTO_SERVICE_URL?: string;

  /** Base URL of the fraud service (`fraud-service`, capability `fraud_detection`). */
  @IsOptional() @IsUrl(SERVICE_URL, { message: urlMessage('FRAUD_SERVICE_URL') })
  FRAUD_SERVICE_URL?: string;

  /** Base URL of the compression service (`compression-service`, capability `compression`). */
  @IsOptional() @IsUrl(SERVICE_URL, { message: urlMessage('COMPRESSION_SERVICE_URL') })
  COMPRESSION_SERVICE_URL?: string;

  /** Base URL of the marketing service (`marketing-service`, capability `marketing_intelligence`). */
  @IsOptional() @IsUrl(SERVICE_URL, { message: urlMessage('MARKETING_SERVICE_URL') })
  MARKETING_SERVICE_URL?: string;

  /**
   * API base URL of an OpenAI-compatible provider registered as one `openai` service
   * (e.g. `http://127.0.0.1:11434/v1`). Required when another `APIARY_LLM_*` variable is set.
   */
  @ValidateIf((o: RouterEnv) => o.APIARY_LLM_BASE_URL !== undefined || llmVariablesSet(o as unknown as Record<string, unknown>).length > 0)
  @ParsesWith(
    (v) => {
      if (!isURL(v, SERVICE_URL)) throw new Error(urlMessage('APIARY_LLM_BASE_URL'));
    },
    (env) => `APIARY_LLM_BASE_URL is required when ${llmVariablesSet(env).join(', ')} is set`,
  )
  APIARY_LLM_BASE_URL?: string;

  /** Name of the environment variable holding the provider's API key on bot-runtime (the name, never the key). */
  @IsOptional() @Matches(ENV_VAR_NAME_PATTERN, { message: 'APIARY_LLM_API_KEY_ENV must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*)' })
  APIARY_LLM_API_KEY_ENV?: string;

  /** Models, comma-separated, each `name` or `name=class` (small, medium, large, code); unset: asked of `GET {base}/models` once. */
  @IsOptional() @ParsesWith((v) => parseModelList(v))
  APIARY_LLM_MODELS?: string;

  /** Service name of the provider (default `llm`). */
  @IsOptional() @ParsesWith((v, env) => checkLlmServiceName(v, env))
  APIARY_LLM_SERVICE_NAME?: string;

  /** JSON `{ "<model>": { "input_per_1m": n, "output_per_1m": n } }`, USD per million tokens. */
  @IsOptional()
  @ParsesWith((v, env) => {
    let models: string[] | undefined;
    try {
      models = typeof env.APIARY_LLM_MODELS === 'string' ? modelNames(parseModelList(env.APIARY_LLM_MODELS)) : undefined;
    } catch {
      models = undefined; // APIARY_LLM_MODELS reports its own error
    }
    return parsePricing(v, models);
  })
  APIARY_LLM_PRICING?: string;

  /** Requests per minute of the provider, across every bot-runtime replica. */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(10_000_000)
  APIARY_LLM_RPM?: number;

  /** Tokens per minute of the provider (prompt + max_tokens reserved up front). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1_000_000_000)
  APIARY_LLM_TPM?: number;

  /** Calls in flight at once to the provider, across replicas. */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100_000)
  APIARY_LLM_MAX_CONCURRENCY?: number;

  /** When set, the provider's active health check `GET {base}{path}` is on (off by default). */
  @IsOptional() @Matches(/^\/[^\s]{0,255}$/, { message: 'APIARY_LLM_HEALTH_PATH must be a path starting with / (e.g. /models), at most 256 characters' })
  APIARY_LLM_HEALTH_PATH?: string;
}
