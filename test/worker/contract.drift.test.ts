import { describe, expect, it } from 'vitest';
import contract from '../../generated/openapi.json';
import { app } from '../../src/app';
import { operationShapes } from '../support/contract-shape';
import { worker } from './helpers';

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

  it('serves openapi.yaml itself at /openapi.json', async () => {
    const res = await worker.fetch('http://w/openapi.json');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(contract);
  });
});
