import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureDevVars } from '../../scripts/local/stack.ts';

/** `npm start` must work on a fresh clone and after a pull that added a setting. */
describe('npm start prepares .dev.vars', () => {
  let dir: string;
  const lines: string[] = [];
  const log = (line: string) => lines.push(line);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'apay-devvars-'));
    lines.length = 0;
    writeFileSync(join(dir, '.dev.vars.example'), '# comment\nADMIN_TOKEN=local_admin\nNEW_SECRET=local_new\nEMPTY=\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('copies the example when .dev.vars is missing', () => {
    expect(ensureDevVars(log, dir)).toEqual({ ADMIN_TOKEN: 'local_admin', NEW_SECRET: 'local_new', EMPTY: '' });
    expect(readFileSync(join(dir, '.dev.vars'), 'utf8')).toBe(readFileSync(join(dir, '.dev.vars.example'), 'utf8'));
    expect(lines).toEqual(['Created .dev.vars from .dev.vars.example (local values only).']);
  });

  it('adds settings the example gained since, keeping the developer’s own values', () => {
    writeFileSync(join(dir, '.dev.vars'), 'ADMIN_TOKEN=my_own_admin_token\n');
    expect(ensureDevVars(log, dir)).toEqual({ ADMIN_TOKEN: 'my_own_admin_token', NEW_SECRET: 'local_new', EMPTY: '' });
    expect(lines).toEqual(['Added NEW_SECRET, EMPTY to .dev.vars from .dev.vars.example.']);
    lines.length = 0;
    ensureDevVars(log, dir);
    expect(lines).toEqual([]); // nothing more to add the second time
  });
});
