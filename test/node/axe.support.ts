/**
 * axe-core (the real engine, from node_modules) run inside a page through the DevTools protocol,
 * which the page's Content-Security-Policy does not govern. WCAG 2.1 A and AA rules only.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * A violation we cannot fix from our side: the rule, a CSS selector every offending element
 * matches, and why it is not ours. A finding is excused only if both rule and selector match.
 */
export interface KnownIssue {
  rule: string;
  selector: string;
  reason: string;
}

/** One critical or serious node: the rule, the node's selector path as axe reports it, and the known issue that excuses it. */
export interface AxeFinding {
  rule: string;
  target: string;
  knownAs?: string;
}

/** Every critical or serious node axe finds in the page as it is now, each matched against `known`. */
export async function axeFindings(page: Page, known: readonly KnownIssue[] = []): Promise<AxeFinding[]> {
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(async (knownIssues) => {
    type Result = { violations: Array<{ id: string; impact: string; nodes: Array<{ target: unknown[]; element: Element }> }> };
    const axe = (window as unknown as { axe: { run: (o: unknown) => Promise<Result> } }).axe;
    const result = await axe.run({
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
      elementRef: true,
    });
    return result.violations
      .filter((v) => v.impact === 'critical' || v.impact === 'serious')
      .flatMap((v) =>
        v.nodes.map((n) => ({
          rule: v.id,
          target: n.target.map(String).join(' '),
          knownAs: knownIssues.find((k) => k.rule === v.id && n.element.matches(k.selector))?.selector,
        })),
      );
  }, known);
}

/** The findings summarised per rule as `rule (node count)`: the form the app's browser tests compare to []. */
export async function axeSerious(page: Page): Promise<string[]> {
  const counts = new Map<string, number>();
  for (const f of await axeFindings(page)) counts.set(f.rule, (counts.get(f.rule) ?? 0) + 1);
  return [...counts].map(([rule, n]) => `${rule} (${n})`);
}
