import { ApiError } from './problem';

/** Placeholder for handlers whose issue is still open. Remove once every route is built. */
export function notImplemented(): never {
  throw new ApiError(500, 'internal_error', 'Not implemented yet.');
}
