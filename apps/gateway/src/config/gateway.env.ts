import { Transform, Type } from 'class-transformer';
import { ArrayMinSize, IsArray, IsDefined, IsInt, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { BaseServiceEnv } from '@apiary/service-kit';

/** Shortest API key accepted in `APIARY_API_KEYS`. */
export const MIN_API_KEY_LENGTH = 16;

/**
 * Environment of the gateway, validated at boot with `loadEnv` (CONVENTIONS.md
 * "Validation and configuration"). Extends {@link BaseServiceEnv} (`NATS_URL`,
 * `APIARY_LOG_LEVEL`, ...). Numbers arrive as strings and are converted.
 */
export class GatewayEnv extends BaseServiceEnv {
  /** TCP port of the public HTTP API (default 8080; 0 = any free port, for tests). */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  APIARY_HTTP_PORT = 8080;

  /** Interface the HTTP API binds to (default `0.0.0.0`). */
  @IsString()
  @MinLength(1)
  APIARY_HTTP_HOST = '0.0.0.0';

  /**
   * Accepted API keys, comma-separated in the variable (spaces around commas are
   * ignored), each at least {@link MIN_API_KEY_LENGTH} characters. Required.
   * Parsed into an array.
   */
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string'
      ? value
          .split(',')
          .map((k) => k.trim())
          .filter((k) => k.length > 0)
      : value,
  )
  @IsDefined({ message: 'APIARY_API_KEYS is required (comma-separated API keys)' })
  @IsArray()
  @ArrayMinSize(1, { message: 'APIARY_API_KEYS must list at least one key' })
  @IsString({ each: true })
  @MinLength(MIN_API_KEY_LENGTH, { each: true, message: `every key in APIARY_API_KEYS must be at least ${MIN_API_KEY_LENGTH} characters` })
  @MaxLength(512, { each: true, message: 'every key in APIARY_API_KEYS must be at most 512 characters' })
  @Matches(/^[\x21-\x7e]+$/, { each: true, message: 'API keys must be printable ASCII without spaces' })
  APIARY_API_KEYS!: string[];

  /** Default timeout in ms of an RPC to a service (default 10,000). */
  @Type(() => Number)
  @IsInt()
  @Min(50)
  @Max(600_000)
  APIARY_RPC_TIMEOUT_MS = 10_000;

  /** Timeout in ms of a batch submit (`POST /tasks/batch`, `POST /orchestrate`; default 60,000). */
  @Type(() => Number)
  @IsInt()
  @Min(50)
  @Max(600_000)
  APIARY_BATCH_RPC_TIMEOUT_MS = 60_000;

  /** Largest accepted JSON request body in bytes (default 1,048,576 = 1 MiB). */
  @Type(() => Number)
  @IsInt()
  @Min(1024)
  @Max(64 * 1024 * 1024)
  APIARY_BODY_LIMIT_BYTES = 1_048_576;

  /**
   * Largest CSV accepted by `POST /datasets`, bytes (default 268,435,456 = 256 MiB;
   * 1,024..17,179,869,184). The body is streamed, never held whole; past the limit
   * the upload is refused with 413 `PAYLOAD_TOO_LARGE` and nothing is stored
   * (docs/datasets.md "Upload").
   */
  @Type(() => Number)
  @IsInt()
  @Min(1024)
  @Max(17_179_869_184)
  APIARY_DATASET_MAX_BYTES = 268_435_456;
}

/** Variables whose values must never be printed. */
const SECRET_VARIABLES = ['APIARY_API_KEYS'];

/**
 * Removes the `(got ...)` value that `loadEnv` appends to each problem when the
 * variable is a secret, so a bad configuration never prints API keys.
 * @param problems lines of `InvalidEnvironmentError.problems`
 * @returns the same lines, secrets replaced by `(value hidden)`
 */
export function redactEnvProblems(problems: readonly string[]): string[] {
  return problems.map((line) =>
    SECRET_VARIABLES.some((name) => line.startsWith(`${name}:`)) ? line.replace(/\(got .*\)$/s, '(value hidden)') : line,
  );
}
