/**
 * Errors in OpenAI's shape (`{ error: { message, type, param, code } }`), so OpenAI
 * clients surface our 4xx/5xx answers the way they surface OpenAI's own.
 */
import type { Response } from 'express';

export type ApiErrorType = 'invalid_request_error' | 'not_found_error' | 'rate_limit_error' | 'server_error' | 'service_unavailable';

export interface ApiErrorBody {
  readonly error: { readonly message: string; readonly type: ApiErrorType; readonly param: string | null; readonly code: string | null };
}

export class ApiError extends Error {
  readonly status: number;
  readonly type: ApiErrorType;
  readonly param: string | null;
  readonly code: string | null;
  /** Seconds, sent as `Retry-After` (429 and 503). */
  readonly retryAfter: number | undefined;

  constructor(status: number, message: string, opts: { type?: ApiErrorType; param?: string | null; code?: string | null; retryAfter?: number } = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.type = opts.type ?? (status >= 500 ? 'server_error' : status === 404 ? 'not_found_error' : status === 429 ? 'rate_limit_error' : 'invalid_request_error');
    this.param = opts.param ?? null;
    this.code = opts.code ?? null;
    this.retryAfter = opts.retryAfter;
  }

  body(): ApiErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export const invalid = (message: string, param: string | null = null, code: string | null = null): ApiError =>
  new ApiError(400, message, { param, code });

/** Sends `err` as JSON unless headers are already out (then the connection is ended). */
export function sendError(res: Response, err: ApiError): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  if (err.retryAfter !== undefined) res.setHeader('Retry-After', String(Math.max(1, Math.ceil(err.retryAfter))));
  res.status(err.status).json(err.body());
}

/**
 * Maps errors thrown by body-parser (express.json) and our own code to an ApiError.
 * Anything unexpected becomes a 500 whose message does not leak internals.
 */
export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof Error && typeof (e as Error & { type?: unknown }).type === 'string') {
    const type = (e as Error & { type: string }).type;
    const status = (e as Error & { status?: unknown }).status;
    switch (type) {
      case 'entity.too.large':
        return new ApiError(413, 'request body is larger than this server accepts', { code: 'request_too_large' });
      case 'entity.parse.failed':
        return invalid(`request body is not valid JSON: ${e.message}`, null, 'invalid_json');
      case 'encoding.unsupported':
      case 'charset.unsupported':
        return new ApiError(415, e.message, { code: 'unsupported_media_type' });
      case 'request.aborted':
        return invalid('request body was aborted by the client', null, 'request_aborted');
      case 'request.size.invalid':
      case 'entity.verify.failed':
        return invalid(e.message);
      default:
        if (typeof status === 'number' && status >= 400 && status < 500) return new ApiError(status, e.message);
    }
  }
  return new ApiError(500, 'internal server error', { code: 'internal_error' });
}
