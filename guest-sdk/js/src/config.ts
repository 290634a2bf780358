/** Connector configurations and their definitions (Kafka's `ConfigDef`). */

import { FatalError } from './errors.js';

/** The type of a configuration key (`ConfigDef.Type`), as the WIT `config-type`. */
export type ConfigType = 'boolean' | 'string' | 'int' | 'short' | 'long' | 'double' | 'list' | 'class' | 'password';
/** How important a key is (`ConfigDef.Importance`). */
export type Importance = 'high' | 'medium' | 'low';
/** Width of a key's UI field (`ConfigDef.Width`). */
export type Width = 'none' | 'short' | 'medium' | 'long';

function missingRequired(key: string): string {
  return `Missing required configuration "${key}" which has no default value.`;
}

function invalid(key: string, value: string, type: ConfigType): string {
  const why = type === 'boolean' ? 'Expected value to be either true or false' : `Not a number of type ${type.toUpperCase()}`;
  return `Invalid value ${value} for configuration ${key}: ${why}`;
}

function parseBool(v: string): boolean | undefined {
  const t = v.trim().toLowerCase();
  return t === 'true' ? true : t === 'false' ? false : undefined;
}

const INT_RANGES: Partial<Record<ConfigType, [bigint, bigint]>> = {
  short: [-(2n ** 15n), 2n ** 15n - 1n],
  int: [-(2n ** 31n), 2n ** 31n - 1n],
  long: [-(2n ** 63n), 2n ** 63n - 1n],
};

function parseInteger(v: string, type: ConfigType): bigint | undefined {
  const t = v.trim();
  if (!/^[+-]?\d+$/.test(t)) return undefined;
  const n = BigInt(t);
  const [lo, hi] = INT_RANGES[type]!;
  return n < lo || n > hi ? undefined : n;
}

function parseDouble(v: string): number | undefined {
  const t = v.trim();
  if (t === '' || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(Infinity|NaN)$/.test(t)) return undefined;
  return Number(t);
}

/** Why `value` is not a valid value of `type`, if it is not. */
function checkType(key: string, value: string, type: ConfigType): string | undefined {
  let ok = true;
  switch (type) {
    case 'boolean':
      ok = parseBool(value) !== undefined;
      break;
    case 'short':
    case 'int':
    case 'long':
      ok = parseInteger(value, type) !== undefined;
      break;
    case 'double':
      ok = parseDouble(value) !== undefined;
      break;
    default:
  }
  return ok ? undefined : invalid(key, value, type);
}

/** A configuration: string keys and values, as a `.properties` file or a REST `config` object. */
export class Config {
  private readonly map: Map<string, string>;

  /** A configuration from pairs, a plain object or another `Config`. */
  constructor(entries?: Iterable<readonly [string, string]> | Record<string, string> | Config) {
    if (entries instanceof Config) this.map = new Map(entries.map);
    else if (!entries) this.map = new Map();
    else if (Symbol.iterator in Object(entries)) this.map = new Map(entries as Iterable<[string, string]>);
    else this.map = new Map(Object.entries(entries as Record<string, string>));
  }

  /** The value of `key`, if set. */
  get(key: string): string | undefined {
    return this.map.get(key);
  }
  /** The value of `key`, or `fallback` if it is not set. */
  getOr(key: string, fallback: string): string {
    return this.map.get(key) ?? fallback;
  }
  /** The value of `key`; throws a `FatalError` worded as Kafka's when it is not set. */
  require(key: string): string {
    const v = this.map.get(key);
    if (v === undefined) throw new FatalError(missingRequired(key));
    return v;
  }
  /** `key` as a Connect `INT`; `undefined` if not set; throws a `FatalError` if invalid. */
  getInt(key: string): number | undefined {
    return this.integer(key, 'int');
  }
  /** `key` as a Connect `SHORT`. */
  getShort(key: string): number | undefined {
    return this.integer(key, 'short');
  }
  /** `key` as a Connect `LONG` (a `number`: exact up to 2^53). */
  getLong(key: string): number | undefined {
    return this.integer(key, 'long');
  }
  /** `key` as a Connect `DOUBLE`. */
  getDouble(key: string): number | undefined {
    const v = this.map.get(key);
    if (v === undefined) return undefined;
    const n = parseDouble(v);
    if (n === undefined) throw new FatalError(invalid(key, v, 'double'));
    return n;
  }
  /** `key` as a Connect `BOOLEAN` (`true`/`false`, any case). */
  getBool(key: string): boolean | undefined {
    const v = this.map.get(key);
    if (v === undefined) return undefined;
    const b = parseBool(v);
    if (b === undefined) throw new FatalError(invalid(key, v, 'boolean'));
    return b;
  }
  /** `key` as a Connect `LIST`: comma-separated, trimmed; empty when not set or blank. */
  getList(key: string): string[] {
    const v = this.map.get(key) ?? '';
    return v.trim() === '' ? [] : v.split(',').map((s) => s.trim());
  }
  /** Sets `key`. */
  set(key: string, value: string): this {
    this.map.set(key, value);
    return this;
  }
  /** Removes `key`. */
  delete(key: string): boolean {
    return this.map.delete(key);
  }
  /** Whether `key` is set. */
  has(key: string): boolean {
    return this.map.has(key);
  }
  /** The number of keys. */
  get size(): number {
    return this.map.size;
  }
  /** The keys and values, ordered by key. */
  entries(): [string, string][] {
    return [...this.map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }
  /** The keys and values as a plain object. */
  toObject(): Record<string, string> {
    return Object.fromEntries(this.entries());
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries()[Symbol.iterator]();
  }

  private integer(key: string, type: ConfigType): number | undefined {
    const v = this.map.get(key);
    if (v === undefined) return undefined;
    const n = parseInteger(v, type);
    if (n === undefined) throw new FatalError(invalid(key, v, type));
    return Number(n);
  }
}

/** A check of one key's value: return (or throw) a message when it is invalid. */
export type Validator = (value: string) => string | undefined | void;

/** The default of a key: required (no default), `null`, or a value as written in `.properties`. */
export type ConfigDefault = { kind: 'required' } | { kind: 'null' } | { kind: 'value'; value: string };

/** One key of a configuration definition (`ConfigDef.ConfigKey`); fluent setters return it. */
export class ConfigKey {
  /** Key name. */
  readonly name: string;
  /** Its type. */
  readonly type: ConfigType;
  /** Its importance. */
  readonly importance: Importance;
  /** Its documentation. */
  readonly documentation: string;
  /** Its default; required unless set. */
  defaultValue: ConfigDefault = { kind: 'required' };
  /** UI group. */
  group: string | undefined = undefined;
  /** Order in the group. */
  orderInGroup = -1;
  /** UI width. */
  width: Width = 'none';
  /** UI name; the key name unless set. */
  displayName: string;
  /** Keys whose validity depends on this one. */
  dependents: string[] = [];
  /** Extra checks. */
  validators: Validator[] = [];

  /** A required key. */
  constructor(name: string, type: ConfigType, importance: Importance, documentation: string) {
    this.name = name;
    this.type = type;
    this.importance = importance;
    this.documentation = documentation;
    this.displayName = name;
  }
  /** Gives the key a default (as written in a `.properties` file), or `null` for an optional key without one. */
  withDefault(value: string | null): this {
    this.defaultValue = value === null ? { kind: 'null' } : { kind: 'value', value };
    return this;
  }
  /** Adds a validator. */
  validator(check: Validator): this {
    this.validators.push(check);
    return this;
  }
  /** Sets the UI group and order. */
  inGroup(group: string, order: number): this {
    this.group = group;
    this.orderInGroup = order;
    return this;
  }
  /** Sets the UI name. */
  withDisplayName(name: string): this {
    this.displayName = name;
    return this;
  }
  /** Sets the UI width. */
  withWidth(width: Width): this {
    this.width = width;
    return this;
  }

  /** Validates this key in `config`. */
  validate(config: Config): ConfigValue {
    const value = config.get(this.name);
    const errors: string[] = [];
    if (value === undefined) {
      if (this.defaultValue.kind === 'required') errors.push(missingRequired(this.name));
    } else {
      const bad = checkType(this.name, value, this.type);
      if (bad) errors.push(bad);
      else {
        for (const check of this.validators) {
          let why: string | undefined | void;
          try {
            why = check(value);
          } catch (e) {
            why = e instanceof Error ? e.message : String(e);
          }
          if (why) errors.push(`Invalid value ${value} for configuration ${this.name}: ${why}`);
        }
      }
    }
    return { name: this.name, value, recommendedValues: [], errors, visible: true };
  }
}

/** The outcome of validating one key (`ConfigValue`); valid when `errors` is empty. */
export interface ConfigValue {
  /** The key. */
  name: string;
  /** Its value in the validated configuration, if set. */
  value: string | undefined;
  /** Values the UI may offer. */
  recommendedValues: string[];
  /** What is wrong with it; empty when valid. */
  errors: string[];
  /** Whether the UI shows it. */
  visible: boolean;
}

/** A connector's configuration definition (`ConfigDef`). */
export class ConfigDef {
  private readonly list: ConfigKey[] = [];

  /** Adds a key (a key of the same name is replaced). */
  define(key: ConfigKey): this;
  /** Adds a key built from these arguments; `defaultValue` `undefined` means required. */
  define(
    name: string,
    type: ConfigType,
    defaultValue: string | null | undefined,
    importance: Importance,
    documentation: string,
    validator?: Validator,
  ): this;
  define(
    key: ConfigKey | string,
    type?: ConfigType,
    defaultValue?: string | null,
    importance?: Importance,
    documentation?: string,
    validator?: Validator,
  ): this {
    let k: ConfigKey;
    if (key instanceof ConfigKey) k = key;
    else {
      k = new ConfigKey(key, type!, importance!, documentation ?? '');
      if (defaultValue !== undefined) k.withDefault(defaultValue);
      if (validator) k.validator(validator);
    }
    const i = this.list.findIndex((x) => x.name === k.name);
    if (i >= 0) this.list[i] = k;
    else this.list.push(k);
    return this;
  }
  /** The keys, in definition order. */
  keys(): readonly ConfigKey[] {
    return this.list;
  }
  /** The key called `name`. */
  key(name: string): ConfigKey | undefined {
    return this.list.find((k) => k.name === name);
  }
  /** One `ConfigValue` per key, in definition order (`Connector.validate`'s default). */
  validate(config: Config): ConfigValue[] {
    return this.list.map((k) => k.validate(config));
  }
  /** `config` with defaults filled in; throws a `FatalError` listing every problem. */
  parse(config: Config): Config {
    const errors = this.validate(config).flatMap((v) => v.errors);
    if (errors.length > 0) throw new FatalError(errors.join(' '));
    const out = new Config(config);
    for (const k of this.list) {
      if (!out.has(k.name) && k.defaultValue.kind === 'value') out.set(k.name, k.defaultValue.value);
    }
    return out;
  }
}
