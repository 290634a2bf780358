// What every connector sees, source or sink.
export * from './data.js';
export * from './errors.js';
export * from './config.js';
export { log } from './log.js';
export { Connector, type PluginInfo, raiseError, requestTaskReconfiguration } from './plugin.js';
export { DecodeError, decodeSink, decodeSource, encodeSink, encodeSource, isBytes } from './batch.js';
export { AppendFile, readFile } from './fs.js';
