import { ArgumentsHost, BadRequestException, NotFoundException } from '@nestjs/common';
import { ApiaryError } from '@apiary/contracts';
import type { Logger } from 'pino';
import { fromBodyParserError, HttpErrorFilter, toApiaryError } from './http-exception.filter';

function bodyParserError(type: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(type), { type, status: 400, ...extra });
}

describe('fromBodyParserError', () => {
  it('maps entity.too.large to PAYLOAD_TOO_LARGE with the limit', () => {
    const error = fromBodyParserError(bodyParserError('entity.too.large', { status: 413, limit: 1024, length: 2048 }));
    expect(error?.code).toBe('PAYLOAD_TOO_LARGE');
    expect(error?.details).toEqual({ limit_bytes: 1024, length_bytes: 2048 });
  });

  it('maps entity.parse.failed to INVALID_JSON', () => {
    expect(fromBodyParserError(Object.assign(new SyntaxError('x'), { type: 'entity.parse.failed', status: 400 }))?.code).toBe(
      'INVALID_JSON',
    );
  });

  it('maps an unsupported charset to VALIDATION_FAILED', () => {
    expect(fromBodyParserError(bodyParserError('charset.unsupported', { status: 415 }))?.code).toBe('VALIDATION_FAILED');
  });

  it('leaves other errors alone', () => {
    expect(fromBodyParserError(new Error('boom'))).toBeUndefined();
    expect(fromBodyParserError({ type: 'stream.encoding.set', status: 500 })).toBeUndefined();
  });
});

describe('toApiaryError', () => {
  it('maps Nest NotFoundException (unknown route) to NOT_FOUND', () => {
    const error = toApiaryError(new NotFoundException('Cannot GET /nope'));
    expect(error?.code).toBe('NOT_FOUND');
    expect(error?.message).toBe('No route GET /nope');
  });

  it('maps a framework 400 to VALIDATION_FAILED', () => {
    expect(toApiaryError(new BadRequestException('bad'))?.code).toBe('VALIDATION_FAILED');
  });

  it('treats unknown errors and INTERNAL as unexpected', () => {
    expect(toApiaryError(new Error('db password is hunter2'))).toBeUndefined();
    expect(toApiaryError(new ApiaryError('INTERNAL', 'upstream detail'))).toBeUndefined();
  });
});

describe('HttpErrorFilter', () => {
  function run(exception: unknown): { status: number; body: unknown; logged: unknown[] } {
    const out = { status: 0, body: undefined as unknown, logged: [] as unknown[] };
    const response = {
      headersSent: false,
      status(code: number) {
        out.status = code;
        return this;
      },
      json(body: unknown) {
        out.body = body;
        return this;
      },
    };
    const host = {
      switchToHttp: () => ({ getRequest: () => ({ method: 'POST', path: '/tasks' }), getResponse: () => response }),
    } as unknown as ArgumentsHost;
    const logger = { error: (o: unknown) => out.logged.push(o), warn: () => undefined } as unknown as Logger;
    new HttpErrorFilter(logger).catch(exception, host);
    return out;
  }

  it('answers an ApiaryError with its status and { error: { code, message, details } }', () => {
    const { status, body } = run(new ApiaryError('VALIDATION_FAILED', 'type: required', [{ field: 'type', constraints: ['required'] }]));
    expect(status).toBe(400);
    expect(body).toEqual({
      error: { code: 'VALIDATION_FAILED', message: 'type: required', details: [{ field: 'type', constraints: ['required'] }] },
    });
  });

  it('answers an unexpected error with 500 INTERNAL and a logged error id, hiding the message', () => {
    const { status, body, logged } = run(new Error('secret detail'));
    expect(status).toBe(500);
    const error = (body as { error: { code: string; message: string; details: { error_id: string } } }).error;
    expect(error.code).toBe('INTERNAL');
    expect(error.message).not.toContain('secret');
    expect(error.message).toContain(error.details.error_id);
    expect(logged).toEqual([expect.objectContaining({ errorId: error.details.error_id })]);
  });
});
