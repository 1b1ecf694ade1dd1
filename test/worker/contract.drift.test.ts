import { describe, expect, it } from 'vitest';
import contract from '../../generated/openapi.json';
import { buildPublicSpec } from '../../src/api/contract/specs';
import { app } from '../../src/app';
import { codeOperationShapes, objectShape, registeredRoutes } from '../support/code-shape';
import { operationShapes } from '../support/contract-shape';
import { adminHeaders, worker } from './helpers';

/**
 * Code and contract cannot drift apart silently: every operation the Worker registers must match
 * openapi.yaml (paths, methods, parameters, request and response schemas), and vice versa.
 * Operations tagged bansky-upstream are served by Bansky, not by us.
 * The route files patch the generated schemas (`.strict()`, `.refine` for minProperties,
 * coerceQuery), so the code's side takes strictness, minProperties and formats from what its zod
 * schemas do, not from the document they emit (see test/support/code-shape.ts).
 */
describe('the contract and the code agree', () => {
  const fromContract = operationShapes(contract as Record<string, unknown>, { skipTags: ['bansky-upstream'] });
  const fromCode = codeOperationShapes(app);

  it('registers exactly the operations of openapi.yaml', () => {
    expect([...fromCode.keys()].sort()).toEqual([...fromContract.keys()].sort());
  });

  for (const [key, expected] of fromContract) {
    it(`${key} has the contract's parameters, body and responses`, () => {
      const actual = fromCode.get(key);
      expect(actual, `${key} is not registered`).toBeDefined();
      expect(actual!.parameters).toEqual(expected.parameters);
      expect(actual!.requestBody).toEqual(expected.requestBody);
      expect(Object.keys(actual!.responses).sort()).toEqual(Object.keys(expected.responses).sort());
      for (const status of Object.keys(expected.responses)) {
        expect(actual!.responses[status], `${key} ${status}`).toEqual(expected.responses[status]);
      }
    });
  }

  // Query strings are text: coerceQuery must stand in front of every integer query parameter, or
  // `?limit=10` is refused although the contract allows it.
  it('reads every integer query parameter from its text', () => {
    const routes = registeredRoutes(app);
    const checked: string[] = [];
    for (const [key, expected] of fromContract) {
      for (const [name, p] of Object.entries(expected.parameters)) {
        const schema = p.schema as { type?: string[]; minimum?: number };
        if (p.in !== 'query' || !schema.type?.includes('integer')) continue;
        const field = name.slice('query:'.length);
        const query = routes.get(key)?.request?.query;
        expect(query && objectShape(query)?.[field], `${key} ${name} is validated`).toBeDefined();
        const issuesAt = (v: string) => (query!.safeParse({ [field]: v }).error?.issues ?? []).filter((i) => i.path[0] === field);
        expect(issuesAt(String(schema.minimum ?? 0)), `${key} ${name}=${schema.minimum ?? 0}`).toEqual([]);
        expect(issuesAt('1.5').length, `${key} ${name}=1.5`).toBeGreaterThan(0);
        checked.push(`${key} ${name}`);
      }
    }
    expect(checked.length).toBeGreaterThan(0);
  });

  it('serves openapi.yaml: its public part at /openapi.json, all of it to operators', async () => {
    const publicSpec = (await (await worker.fetch('http://w/openapi.json')).json()) as Record<string, unknown>;
    expect(withoutServers(publicSpec)).toEqual(withoutServers(buildPublicSpec(contract as Record<string, unknown>)));
    const full = await worker.fetch('http://w/admin/v1/openapi.json', { headers: adminHeaders });
    expect(withoutServers((await full.json()) as Record<string, unknown>)).toEqual(withoutServers(contract as Record<string, unknown>));
  });
});

const withoutServers = ({ servers: _servers, ...rest }: Record<string, unknown>) => rest;
