import type { ParseArgsConfig } from 'node:util';
import type { Connection } from '../client';

export type Values = Record<string, string | boolean | string[] | undefined>;

export interface CommandContext {
  conn: Connection;
  values: Values;
  /** Required positionals, in the order the command declares them. */
  args: string[];
  json: boolean;
}

export interface Command {
  /** Two words: the resource and the verb, e.g. "shops create". */
  name: string;
  summary: string;
  /** Arguments after the command name, for --help. */
  usage: string;
  options?: NonNullable<ParseArgsConfig['options']>;
  positionals?: string[];
  /** Extra lines for `<command> --help`. */
  notes?: string[];
  run(ctx: CommandContext): Promise<void>;
}

export const pageOptions = {
  cursor: { type: 'string' },
  limit: { type: 'string' },
} as const;

export function limitOf(values: Values): number | undefined {
  if (values.limit === undefined) return undefined;
  return Number(values.limit);
}
