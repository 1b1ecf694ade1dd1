/**
 * The executable samples of the docs: fenced code blocks whose info string carries
 * `doc-test=<name>` (run by the docs sample tests) or `doc-output=<name>` (the documented output
 * of that sample, compared with the real one). Everything else in a fence is left alone, so the
 * Markdown renders the same on GitHub and in Scalar.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from './docs.support.ts';

export interface CodeBlock {
  name: string;
  lang: string;
  code: string;
  /** Where the block is, for failure messages: docs/public/quick-start.md:42 */
  where: string;
  kind: 'test' | 'output';
}

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? markdownFiles(join(dir, e.name)) : e.name.endsWith('.md') ? [join(dir, e.name)] : [],
  );
}

export function codeBlocks(dir = join(ROOT, 'docs')): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  for (const file of markdownFiles(dir)) {
    const lines = readFileSync(file, 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      const open = /^```(\w+)\s+(.*)$/.exec(lines[i]!);
      const attr = open && /\bdoc-(test|output)=([\w-]+)/.exec(open[2]!);
      if (!open || !attr) continue;
      const end = lines.indexOf('```', i + 1);
      if (end === -1) throw new Error(`${relative(ROOT, file)}:${i + 1}: unclosed code block`);
      blocks.push({
        name: attr[2]!,
        kind: attr[1] as 'test' | 'output',
        lang: open[1]!,
        code: `${lines.slice(i + 1, end).join('\n')}\n`,
        where: `${relative(ROOT, file)}:${i + 1}`,
      });
      i = end;
    }
  }
  return blocks;
}

/** The sample called `name`; throws when it is missing or not unique, so renamed samples fail loudly. */
export function sample(name: string, kind: CodeBlock['kind'] = 'test'): CodeBlock {
  const found = codeBlocks().filter((b) => b.name === name && b.kind === kind);
  if (found.length !== 1) throw new Error(`expected one doc-${kind}=${name} block in docs/, found ${found.length}`);
  return found[0]!;
}
