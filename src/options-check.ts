// The check that refuses connection options of the wrong type or range, one rule per option.
import { ConnectionError } from './errors.js';
import type { ConnectionOptions } from './options.js';
import { ERROR } from './status.js';

/** The longest delay a timer can hold (2^31 - 1 ms): beyond it setTimeout fires at once. */
export const MAX_TIMER = 2 ** 31 - 1;

/** A delay a timer can hold: a number of ms in [0, 2^31 - 1] (not NaN, not Infinity). */
export const isDelay = (v: unknown): v is number => typeof v === 'number' && v >= 0 && v <= MAX_TIMER;

/** Checks one value; returns what is wrong with it (naming `name`), or `undefined`. */
type Rule = (value: unknown, name: string) => string | undefined;

const rule =
  (test: (v: unknown) => boolean, expected: string): Rule =>
  (v, name) =>
    test(v) ? undefined : `${name} must be ${expected}`;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;
const isFunction = (v: unknown): boolean => typeof v === 'function';

const delay = rule(isDelay, 'a delay in ms (0 to 2^31 - 1)');
const count = rule(isCount, 'an integer ≥ 0');
const positive = rule((v) => isCount(v) && (v as number) > 0, 'an integer > 0');
const bool = rule((v) => typeof v === 'boolean', 'true or false');
const func = rule(isFunction, 'a function');
const text = rule((v) => typeof v === 'string', 'a string');

/** An object whose own keys are all listed in `fields`, each value (where given) passing its rule. */
const shape =
  (fields: Record<string, Rule>): Rule =>
  (v, name) => {
    if (!isObject(v)) return `${name} must be an object`;
    for (const [key, value] of Object.entries(v)) {
      const check = Object.hasOwn(fields, key) ? fields[key] : undefined;
      if (!check) return `${name}.${key} is not an option (${Object.keys(fields).join(', ')})`;
      const wrong = value === undefined ? undefined : check(value, `${name}.${key}`);
      if (wrong) return wrong;
    }
    return undefined;
  };

/** `true`/`false`, or the object form of the option. */
const boolOr =
  (object: Rule): Rule =>
  (v, name) =>
    typeof v === 'boolean' ? undefined : object(v, name);

/** Every element passes `element`. */
const arrayOf =
  (element: Rule): Rule =>
  (v, name) => {
    if (!Array.isArray(v)) return `${name} must be an array`;
    for (const [i, x] of v.entries()) {
      const wrong = element(x, `${name}[${i}]`);
      if (wrong) return wrong;
    }
    return undefined;
  };

/** A plain object whose values all pass `value`. */
const recordOf =
  (value: Rule): Rule =>
  (v, name) => {
    if (!isObject(v)) return `${name} must be an object`;
    for (const [key, x] of Object.entries(v)) {
      const wrong = value(x, `${name}.${key}`);
      if (wrong) return wrong;
    }
    return undefined;
  };

/** A logger: an object (`console` will do) whose level methods, where present, are functions. */
const logger: Rule = (v, name) => {
  if (typeof v !== 'object' || v === null) return `${name} must be an object`;
  const methods = v as Record<string, unknown>;
  const level = ['debug', 'info', 'warn', 'error'].find((l) => methods[l] !== undefined && !isFunction(methods[l]));
  return level ? `${name}.${level} must be a function` : undefined;
};

/** A transport class: a constructor with a static `handles(service)`. */
const transport = rule((v) => isFunction(v) && isFunction((v as { handles?: unknown }).handles), 'a transport class (with a static handles())');
/** A mechanism name, class or instance. */
const mechanism = rule((v) => typeof v === 'string' || isFunction(v) || (isObject(v) && typeof v.name === 'string'), 'a mechanism name, class or instance');

/**
 * One rule per option: typed over every key of {@link ConnectionOptions}, so an option added there without a
 * rule here does not compile.
 */
const RULES: { readonly [K in keyof Required<ConnectionOptions>]: Rule } = {
  mechanisms: arrayOf(mechanism),
  mechanismPriorities: recordOf(rule(Number.isFinite, 'a finite number')),
  allowInsecurePasswords: bool,
  parser: func,
  maxStanzaSize: positive,
  maxDepth: positive,
  transports: arrayOf(transport),
  WebSocket: func,
  lang: rule((v) => typeof v === 'string' && /^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$/.test(v), 'a language tag (e.g. "en", "pt-BR")'),
  connectTimeout: delay,
  disconnectTimeout: delay,
  iqTimeout: delay,
  explicitResourceBinding: bool,
  pipelining: bool,
  streamManagement: boolOr(shape({ resume: bool, requestEvery: positive, maxUnacked: positive, onUnacked: func })),
  reconnect: boolOr(
    shape({
      initialDelay: delay,
      maxDelay: delay,
      factor: rule((v) => typeof v === 'number' && Number.isFinite(v) && v >= 1, 'a number ≥ 1'),
      jitter: rule((v) => typeof v === 'number' && v >= 0 && v <= 1, 'a number from 0 to 1'),
      maxAttempts: rule((v) => isCount(v) || v === Number.POSITIVE_INFINITY, 'an integer ≥ 0 or Infinity'),
    }),
  ),
  pingInterval: delay,
  pingTimeout: delay,
  modules: shape({ keeper: func }),
  logger,
  onError: func,
  wait: count,
  hold: count,
  maxRetries: count,
  withCredentials: bool,
  credentials: rule((v) => v === 'omit' || v === 'same-origin' || v === 'include', '"omit", "same-origin" or "include"'),
  headers: recordOf(text),
  keepalive: bool,
  route: text,
  fetch: func,
  boshTiming: shape({
    baseDelay: delay,
    maxDelay: delay,
    setupMaxDelay: delay,
    setupRetries: count,
    timeoutMargin: rule((v) => typeof v === 'number' && v >= 0 && v <= 3600, 'a number of seconds from 0 to 3600'),
    minSpacing: delay,
    random: func,
  }),
  onUndelivered: func,
};

/**
 * Refuses options of the wrong type or range at construction, where the mistake is, rather than as a stall or a
 * security surprise later (a string timeout, `allowInsecurePasswords: 'false'`, which is truthy, a negative wait,
 * a delay a timer cannot hold, a parser that is not a function). Options it does not know are left to custom
 * transports.
 * @throws {@link ConnectionError} with status ERROR and condition `invalid-option`
 */
export function checkOptions(options: unknown): void {
  if (!isObject(options)) throw invalidOption('options must be an object');
  for (const [name, check] of Object.entries(RULES) as [string, Rule][]) {
    const value = options[name];
    const wrong = value === undefined ? undefined : check(value, name);
    if (wrong) throw invalidOption(wrong);
  }
}

/** The error for an option (or argument) of the wrong type or range. */
export function invalidOption(text: string): ConnectionError {
  return new ConnectionError(ERROR, 'invalid-option', text);
}

/** The names of every option checked (all of {@link ConnectionOptions}). */
export const CHECKED_OPTIONS: readonly string[] = Object.freeze(Object.keys(RULES));
