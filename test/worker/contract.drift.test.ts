import { describe, expect, it } from 'vitest';
import contract from '../../generated/openapi.json';
import { app } from '../../src/app';
import { operationShapes } from '../support/contract-shape';
import { buildPublicSpec } from '../../src/docs/specs';
import { adminHeaders, worker } from './helpers';

/**
 * Code and contract cannot drift apart silently: every operation the Worker registers must match
 * openapi.yaml (paths, methods, parameters, request and response schemas), and vice versa.
 * Operations tagged bansky-upstream are served by Bansky, not by us.
 */
describe('the contract and the code agree', () => {
  const fromContract = operationShapes(contract as Record<string, unknown>, { skipTags: ['bansky-upstream'] });
  const fromCode = operationShapes(
    app.getOpenAPI31Document({ openapi: '3.1.0', info: { title: 'code', version: '0' } }) as unknown as Record<string, unknown>,
  );

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

  it('serves openapi.yaml: its public part at /openapi.json, all of it to operators', async () => {
    const publicSpec = (await (await worker.fetch('http://w/openapi.json')).json()) as Record<string, unknown>;
    expect(withoutServers(publicSpec)).toEqual(withoutServers(buildPublicSpec(contract as Record<string, unknown>)));
    const full = await worker.fetch('http://w/admin/v1/openapi.json', { headers: adminHeaders });
    expect(withoutServers((await full.json()) as Record<string, unknown>)).toEqual(withoutServers(contract as Record<string, unknown>));
  });
});

const withoutServers = ({ servers: _servers, ...rest }: Record<string, unknown>) => rest;
