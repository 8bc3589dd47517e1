import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

/** Path of the OpenAPI 3 document (JSON), public. */
export const OPENAPI_JSON_PATH = '/openapi.json';
/** Path of Swagger UI, public. */
export const DOCS_PATH = '/docs';
/** Version of the API in the document: the workspace's version (package.json). */
export const API_VERSION = '0.1.0';

/** Names of the two security schemes; either one is enough. */
export const SECURITY_SCHEMES = { bearer: 'bearer', apiKey: 'api-key' } as const;

/** Tags of the routes, in the order Swagger UI lists them. */
export const API_TAGS = {
  tasks: 'Tasks: submit one task or a batch, read a task.',
  bots: 'Bots: durable workers with capabilities; assign tasks to one bot; external bots lease and complete their tasks.',
  swarms: 'Swarms: groups of identical bots; mass-assign a task (fan-out) and follow the batch (fan-in).',
  health: 'Probes, no API key needed.',
} as const;
/** One of {@link API_TAGS}. */
export type ApiTag = keyof typeof API_TAGS;

const DESCRIPTION = [
  'Apiary takes tasks over HTTP, scores their priority, routes each to a capable worker lane and keeps every result.',
  '',
  'Every route except `GET /health` and `GET /livez` needs an API key (one of `APIARY_API_KEYS`), sent as',
  '`Authorization: Bearer <key>` or `X-API-Key: <key>`; without one the answer is 401.',
  '',
  'Errors are `{ "error": { "code", "message", "details" } }` with a 4xx/5xx status; `code` is stable and',
  'machine-readable, `details` is optional (e.g. `[{ field, constraints }]` for `VALIDATION_FAILED`).',
  'Every route behind the API key can also answer 503 `SERVICE_UNAVAILABLE` (a service is down) and',
  '504 `UPSTREAM_TIMEOUT`.',
].join('\n');

/**
 * Operation ids `<Controller>_<method>`, e.g. `Tasks_submit`; a route with two
 * paths (`GET /tasks/{task_id}` and `GET /task/{task_id}`) gets `_0` and `_1`.
 */
function operationId(controllerKey: string, methodKey: string): string {
  return `${controllerKey.replace(/Controller$/, '')}_${methodKey.replace(/\[(\d+)\]$/, '_$1')}`;
}

/**
 * Builds the OpenAPI 3 document of the gateway's HTTP routes from the Nest
 * metadata: request DTO schemas from the @nestjs/swagger compiler plugin
 * (apps/gateway/openapi-plugin.cjs), responses and errors from the decorators on
 * the `*.handler.ts` controllers, both security schemes required document-wide
 * (either one), cleared on the `@Public()` routes.
 * @param app the gateway app (modules created; need not be initialised)
 */
export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Apiary API')
    .setDescription(DESCRIPTION)
    .setVersion(API_VERSION)
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'API key',
        description: 'An API key of `APIARY_API_KEYS`: `Authorization: Bearer <key>`.',
      },
      SECURITY_SCHEMES.bearer,
    )
    .addApiKey(
      { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'An API key of `APIARY_API_KEYS`: `X-API-Key: <key>`.' },
      SECURITY_SCHEMES.apiKey,
    )
    // Two requirement objects: either scheme is enough.
    .addSecurityRequirements(SECURITY_SCHEMES.bearer)
    .addSecurityRequirements(SECURITY_SCHEMES.apiKey);
  for (const [tag, description] of Object.entries(API_TAGS)) builder.addTag(tag, description);
  return SwaggerModule.createDocument(app, builder.build(), { operationIdFactory: operationId });
}

/**
 * Serves the document at {@link OPENAPI_JSON_PATH} and Swagger UI at
 * {@link DOCS_PATH} (its assets under `/docs/`). These are plain Express routes,
 * outside Nest's router, so the API key guard never sees them: they are public.
 * Call before `app.init()`, which appends the 404 handler.
 * @param app the gateway app, not yet initialised
 * @returns the document (built once, here)
 */
export function setupOpenApi(app: INestApplication): OpenAPIObject {
  const document = createOpenApiDocument(app);
  SwaggerModule.setup(DOCS_PATH, app, document, {
    jsonDocumentUrl: OPENAPI_JSON_PATH,
    raw: ['json'],
    customSiteTitle: 'Apiary API',
    swaggerOptions: { persistAuthorization: false, displayOperationId: true },
  });
  return document;
}
