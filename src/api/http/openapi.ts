import { OpenAPIHono, type RouteConfig, type RouteHandler } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { type OperationId, operations, type SecuritySchemeName } from '../../../generated/routes';
import type { AppEnv } from '../../app-env';
import { ApiError } from '../../platform/problem';
import type { Handlers } from './context';
import { jsonNumberSources } from './json-body';
import { validationIssues } from './validation';

/**
 * A router whose validation failures become `400 validation_failed` problems with one entry per
 * field (JSON Pointer paths and hints, see validation.ts), instead of zod-openapi's default body.
 */
function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (result.success) return;
      const errors = validationIssues(result.error.issues, result.target, c);
      const where = result.target === 'json' ? 'body' : result.target;
      throw new ApiError(400, 'validation_failed', `${errors.length} ${where} field${errors.length === 1 ? ' is' : 's are'} invalid.`, {
        errors,
      });
    },
  });
}

export interface Binding {
  /** The one check each security scheme of the contract stands for. */
  security: Record<SecuritySchemeName, MiddlewareHandler<AppEnv>>;
  /** The answer to a malformed request where the contract's 400 is a page (a customer reads it), not a problem. */
  htmlBadRequest: (c: Context<AppEnv>) => Response;
}

/**
 * Every operation of the contract (generated/routes.ts) bound to its handler: the auth its
 * `security` names, then, for a JSON body, the body parsed once with its numbers' source text
 * (money keeps the digits a shop sent, json-body.ts), then the contract's validation, then the handler.
 */
export function bindOperations(handlers: Handlers, binding: Binding) {
  const router = createRouter();
  for (const id of Object.keys(handlers)) {
    if (!Object.hasOwn(operations, id)) throw new Error(`handler ${id} has no operation in openapi.yaml`);
  }
  for (const id of Object.keys(operations) as OperationId[]) {
    const route: RouteConfig = operations[id];
    const handler = handlers[id] as RouteHandler<RouteConfig, AppEnv> | undefined;
    if (!handler) throw new Error(`operation ${id} of openapi.yaml has no handler`);
    const middleware = [...authOf(id, route, binding.security), ...(route.request?.body ? [jsonNumberSources()] : [])];
    const htmlPage = route.responses[400] && 'content' in route.responses[400] && route.responses[400].content?.['text/html'];
    router.openapi(
      { ...route, middleware },
      handler,
      htmlPage ? (result, c) => (result.success ? undefined : binding.htmlBadRequest(c)) : undefined,
    );
  }
  return router;
}

/**
 * The check an operation's `security` asks for. Its alternatives (`[{ shopToken: [] }, { shopTokenScheme: [] }]`:
 * either header form) must come down to one check; none means the operation is open.
 */
function authOf(id: string, route: RouteConfig, security: Binding['security']): MiddlewareHandler<AppEnv>[] {
  const checks = new Set(
    (route.security ?? []).map((requirement) => {
      const names = Object.keys(requirement) as SecuritySchemeName[];
      if (names.length !== 1) throw new Error(`operation ${id}: a requirement of ${names.length} schemes at once has no check`);
      return security[names[0]!];
    }),
  );
  if (checks.size > 1) throw new Error(`operation ${id}: alternative credentials with different checks are not supported`);
  return [...checks];
}
