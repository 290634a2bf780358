/** The connector level of a plugin (`Connector`), and the glue to the WIT `connector` export. */

import { raiseError as hostRaiseError, requestTaskReconfiguration as hostRequest } from 'wasmconnect:connector/connector-context@0.1.0';

import { Config, type ConfigDef, type ConfigValue } from './config.js';
import { toWitError } from './errors.js';

/** What a plugin says about itself; `className` is what `connector.class` names. */
export interface PluginInfo {
  /** Unique class name, e.g. `com.example.JsonlSinkConnector`. */
  className: string;
  /** The plugin version (`Connector.version()`). */
  version: string;
  /** Further names `connector.class` accepts. */
  aliases?: string[];
  /** One line for `GET /connector-plugins`. */
  description?: string;
}

/**
 * A connector (`Connector`): one instance per connector, not per task. The SDK creates it
 * with `new` (no arguments) and calls `start`, `taskConfigs` and `stop` on it; `info` and
 * `configDef` may be called on an instance that was never started.
 */
export abstract class Connector {
  /** Who this plugin is. */
  abstract info(): PluginInfo;
  /** The configuration definition. */
  abstract configDef(): ConfigDef;
  /** Validates a configuration; the default checks it against `configDef()`. */
  validate(config: Config): ConfigValue[] {
    return this.configDef().validate(config);
  }
  /** Starts the connector. */
  abstract start(config: Config): void;
  /** At most `maxTasks` task configurations; one task is started per entry. */
  abstract taskConfigs(maxTasks: number): (Config | Record<string, string>)[];
  /** Stops the connector. */
  stop(): void {}
}

/** Ask the worker to call `taskConfigs` again and restart the tasks with the result. */
export function requestTaskReconfiguration(): void {
  hostRequest();
}

/** Report that the connector cannot go on; it moves to FAILED with this message. */
export function raiseError(message: string): void {
  hostRaiseError(message);
}

type WitConfig = [string, string][];

/** The WIT form of a configuration. */
export function configToWit(c: Config | Record<string, string>): WitConfig {
  return c instanceof Config ? c.entries() : Object.entries(c).map(([k, v]) => [k, String(v)]);
}

/**
 * Runs `f`; any thrown value becomes a WIT `connect-error` thrown for the `result` (with the
 * variant also under `payload`, the convention of componentize-js/jco), never a trap.
 */
export function guard<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    const err = toWitError(e);
    throw Object.assign(new Error(err.val), { payload: err, tag: err.tag, val: err.val });
  }
}

/** Runs `f` for a call without a `result`: a throw becomes a message, never a trap. */
function safe<T>(f: () => T, fallback: (message: string) => T): T {
  try {
    return f();
  } catch (e) {
    return fallback(toWitError(e).val);
  }
}

const CONFIG_DEFAULT = {
  required: () => ({ tag: 'required' }),
  null: () => ({ tag: 'null-value' }),
  value: (v: string) => ({ tag: 'value', val: v }),
};

/** The `connector` export for a connector class. */
export function connectorExport(Ctor: new () => Connector) {
  let started: Connector | undefined;
  let probe: Connector | undefined;
  const instance = (): Connector => started ?? (probe ??= new Ctor());
  return {
    info() {
      const i = instance().info();
      return { className: i.className, aliases: i.aliases ?? [], version: i.version, description: i.description ?? '' };
    },
    configDef() {
      return instance()
        .configDef()
        .keys()
        .map((k) => ({
          name: k.name,
          type: k.type,
          defaultValue:
            k.defaultValue.kind === 'value'
              ? CONFIG_DEFAULT.value(k.defaultValue.value)
              : k.defaultValue.kind === 'null'
                ? CONFIG_DEFAULT.null()
                : CONFIG_DEFAULT.required(),
          importance: k.importance,
          documentation: k.documentation,
          group: k.group,
          orderInGroup: k.orderInGroup,
          width: k.width,
          displayName: k.displayName,
          dependents: k.dependents,
        }));
    },
    validate(config: WitConfig) {
      return safe(
        () =>
          instance()
            .validate(new Config(config))
            .map((v) => ({
              name: v.name,
              value: v.value,
              recommendedValues: v.recommendedValues,
              errors: v.errors,
              visible: v.visible,
            })),
        (message) => [{ name: 'validate', value: undefined, recommendedValues: [], errors: [message], visible: true }],
      );
    },
    start(config: WitConfig) {
      guard(() => {
        const c = new Ctor();
        c.start(new Config(config));
        started = c;
      });
    },
    taskConfigs(maxTasks: number) {
      return guard(() => {
        if (!started) throw new Error('connector not started');
        return started.taskConfigs(maxTasks).map(configToWit);
      });
    },
    stop() {
      guard(() => {
        const c = started;
        started = undefined;
        c?.stop();
      });
    },
  };
}
