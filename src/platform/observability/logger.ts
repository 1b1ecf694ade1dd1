/**
 * Structured JSON logs (Workers Logs / `wrangler tail` index them). Every line passes through a
 * redactor that replaces known secret values and secret-shaped strings, so a careless
 * `log.info({ body })` cannot leak a token: secrets never reach a log line (docs/architecture.md#security).
 */
import type { Clock } from '../lib/clock';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

// Shop tokens, webhook secrets and bearer headers, whatever their source.
const SECRET_SHAPES = [/apay_(?:test|live)_[A-Za-z0-9]+/g, /whsec_[A-Za-z0-9+/=]+/g, /Bearer\s+[^\s"']+/gi];

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
  /** Whether lines of `level` are written: lets a caller skip building fields nobody will read. */
  enabled(level: LogLevel): boolean;
}

export function createLogger(opts: {
  level: LogLevel;
  secrets: Array<string | undefined>;
  clock: Clock;
  base?: Record<string, unknown>;
  sink?: (line: string, level: LogLevel) => void;
}): Logger {
  const secrets = opts.secrets.filter((s): s is string => typeof s === 'string' && s.length >= 6);
  const sink =
    opts.sink ?? ((line, level) => (level === 'error' ? console.error(line) : level === 'warn' ? console.warn(line) : console.log(line)));
  const redact = (text: string) => {
    let out = text;
    for (const s of secrets) out = out.split(s).join('[REDACTED]');
    for (const re of SECRET_SHAPES) out = out.replace(re, '[REDACTED]');
    return out;
  };
  const enabled = (level: LogLevel) => ORDER[level] >= ORDER[opts.level];
  const make = (base: Record<string, unknown>): Logger => {
    const write = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
      if (!enabled(level)) return;
      const entry = { level, msg, time: opts.clock.now().toISOString(), ...base, ...fields };
      sink(redact(JSON.stringify(entry, errorReplacer)), level);
    };
    return {
      debug: (m, f) => write('debug', m, f),
      info: (m, f) => write('info', m, f),
      warn: (m, f) => write('warn', m, f),
      error: (m, f) => write('error', m, f),
      child: (f) => make({ ...base, ...f }),
      enabled,
    };
  };
  return make(opts.base ?? {});
}

function errorReplacer(_key: string, value: unknown) {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  return value;
}
