import type { Duplex } from 'node:stream';
import type { ErrorCode } from '@mrm/protocol';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';

/** An error the client caused or may act on; its message is safe to show. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new ApiError(404, 'not_found', `${what} not found`);
export const conflict = (message: string) => new ApiError(409, 'conflict', message);
export const unprocessable = (message: string, details?: unknown) =>
  new ApiError(422, 'unprocessable', message, details);

/** Fastify's own error codes for malformed requests, mapped to our envelope. */
const fastifyCodes: Record<string, [number, ErrorCode, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [
    413,
    'payload_too_large',
    'request body is larger than the limit for this route',
  ],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'bad_request', 'content type must be application/json'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [
    400,
    'bad_request',
    'body must not be empty when content-type is application/json',
  ],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'bad_request', 'body is not valid JSON'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'bad_request', 'content-length does not match the body'],
};

interface ZodIssueLike {
  instancePath?: string;
  message?: string;
  params?: { issue?: { path?: (string | number)[]; message?: string } };
}

function describeValidation(err: FastifyError): { message: string; details: unknown } {
  const issues = (err.validation ?? []) as ZodIssueLike[];
  const where = err.validationContext ?? 'body';
  const list = issues.map((i) => {
    const path = i.params?.issue?.path ?? (i.instancePath ?? '').split('/').filter(Boolean);
    return { path: [where, ...path].join('.'), message: i.params?.issue?.message ?? i.message ?? 'invalid' };
  });
  const first = list[0];
  return {
    message: first ? `${first.path}: ${first.message}` : `invalid ${where}`,
    details: { issues: list },
  };
}

export function errorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (err instanceof ApiError) {
    if (err.headers) reply.headers(err.headers);
    return reply.status(err.status).send({
      error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) },
    });
  }
  if (hasZodFastifySchemaValidationErrors(err) || err.validation) {
    const { message, details } = describeValidation(err);
    return reply.status(400).send({ error: { code: 'validation_failed', message, details } });
  }
  const mapped = err.code ? fastifyCodes[err.code] : undefined;
  if (mapped) {
    return reply.status(mapped[0]).send({ error: { code: mapped[1], message: mapped[2] } });
  }
  if (isResponseSerializationError(err)) {
    request.log.error({ err, issues: err.cause.issues }, 'response did not match its schema');
  } else if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    // Other client errors raised by Fastify (e.g. a prototype-poisoning body): their messages are generic.
    return reply.status(err.statusCode).send({ error: { code: 'bad_request', message: err.message } });
  } else {
    request.log.error({ err }, 'unhandled error');
  }
  return reply
    .status(500)
    .send({ error: { code: 'internal', message: 'internal error; see the commander log' } });
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply) {
  return reply.status(404).send({
    error: { code: 'not_found', message: `no route for ${request.method} ${request.url.split('?')[0]}` },
  });
}

/**
 * Errors Node's HTTP parser raises before Fastify sees a request (oversized headers, timeouts,
 * garbage): answered in the same JSON envelope as every other error.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Duplex) {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, reason, code, message] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'Request Timeout', 'bad_request', 'the request took too long to arrive']
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large', 'bad_request', 'request headers are larger than the limit']
        : [400, 'Bad Request', 'bad_request', 'malformed HTTP request'];
  const body = JSON.stringify({ error: { code, message } });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
