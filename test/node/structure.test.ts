import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The shape of src/ (docs/architecture.md#runtime): its top-level folders ("wings") lean on each
 * other one way only, and the payment core takes the slices of the composition root it uses,
 * never the whole `Services` bag. Read from the source, type-only imports included: a type
 * import is still a dependency the next engineer has to follow.
 */
const root = resolve(import.meta.dirname, '../..');
const src = join(root, 'src');
const files = (function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : [],
  );
})(src);

/** The top-level folder of src/ a file sits in; files directly in src/ are the composition root. */
const wingOf = (file: string) => {
  const parts = relative(src, file).split('/');
  return parts.length > 1 ? parts[0]! : null;
};

/** Every relative import and re-export of a file that stays inside src/, resolved to a path. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\b[^'";]*?\bfrom\s+'(\.[^']+)'/gm)]
    .map((m) => resolve(dirname(file), m[1]!))
    .filter((p) => p.startsWith(`${src}/`));
}

describe('the wings of src/', () => {
  it('import each other one way only (no cycle between top-level folders)', () => {
    const edges = new Map<string, Set<string>>();
    const why = new Map<string, string>();
    for (const file of files) {
      const from = wingOf(file);
      for (const target of importsOf(file)) {
        const to = wingOf(target);
        if (!from || !to || from === to) continue;
        if (!edges.has(from)) edges.set(from, new Set());
        edges.get(from)!.add(to);
        why.set(`${from} -> ${to}`, `${relative(root, file)} imports ${relative(root, target)}`);
      }
    }
    const cycles: string[] = [];
    const reaches = (a: string, b: string, seen = new Set<string>()): string[] | null => {
      for (const next of edges.get(a) ?? []) {
        if (next === b) return [`${a} -> ${b}`];
        if (seen.has(next)) continue;
        seen.add(next);
        const path = reaches(next, b, seen);
        if (path) return [`${a} -> ${next}`, ...path];
      }
      return null;
    };
    for (const [from, tos] of edges) {
      for (const to of tos) {
        const back = reaches(to, from);
        if (back) cycles.push([`${from} -> ${to}`, ...back].map((e) => `${e} (${why.get(e)})`).join('\n  then '));
      }
    }
    expect(cycles).toEqual([]);
    expect(edges.size).toBeGreaterThan(3); // the walk found the wings at all
  });

  it("the payment core takes slices of the composition root's services, never all of them", () => {
    const core = files.filter((f) => wingOf(f) === 'core');
    const whole: string[] = [];
    for (const file of core) {
      const text = readFileSync(file, 'utf8');
      const lineOf = (index: number) => `${relative(root, file)}:${text.slice(0, index).split('\n').length}`;
      const code = text.replace(/^\s*(import|export)\b[^;]*?\bfrom\s+'[^']+';$/gm, (m) => ' '.repeat(m.length));
      // `Pick<Services, 'log' | 'payments'>` is a slice; any other use of the type is the whole bag.
      for (const m of code.matchAll(/\bServices\b/g)) {
        if (!/Pick<\s*$/.test(code.slice(0, m.index))) whole.push(`${lineOf(m.index)}: Services`);
      }
      // Durable Objects are built by the runtime from env alone, so they build their services; nothing else in the core does.
      for (const m of code.matchAll(/\bbuildServices\(/g)) {
        if (!/\bextends DurableObject\b/.test(code)) whole.push(`${lineOf(m.index)}: buildServices`);
      }
    }
    expect(core.length).toBeGreaterThan(10);
    expect(whole).toEqual([]);
  });

  it("reads the Worker's bindings only in the composition root (assets, analytics queues: through services)", () => {
    const raw: string[] = [];
    for (const file of files.filter((f) => wingOf(f) !== null)) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\benv\.(ASSETS|ANALYTICS_QUEUE|ANALYTICS_DLQ)\b/g)) {
        raw.push(`${relative(root, file)}:${text.slice(0, m.index).split('\n').length}: env.${m[1]}`);
      }
    }
    expect(raw).toEqual([]);
  });

  it("tests give a Durable Object its services through a seam, never by overwriting an object's field", () => {
    const testDir = join(root, 'test');
    const testFiles = (function walk(dir: string): string[] {
      return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? walk(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : [],
      );
    })(testDir);
    const writes = [...files, ...testFiles].flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      return [...text.matchAll(/\.services\s*=(?!=)/g)].map((m) => `${relative(root, file)}:${text.slice(0, m.index).split('\n').length}`);
    });
    expect(testFiles.length).toBeGreaterThan(10);
    expect(writes).toEqual([]);
  });
});
