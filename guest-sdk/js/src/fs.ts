/**
 * Files in the directories the worker grants (`wasm.allowed.dirs` in the connector config,
 * preopened read-write at the same absolute paths), through WASI directly: the JavaScript
 * engine has no `fs` module.
 */

import { getDirectories, type Descriptor } from 'wasi:filesystem/preopens@0.2.12';

import { FatalError } from './errors.js';

const utf8 = new TextEncoder();

/** The preopened directories, asked once: each call of `getDirectories` makes new handles. */
let preopens: [Descriptor, string][] | undefined;

/** Drops a WASI resource handle now instead of at garbage collection. */
function drop(handle: unknown): void {
  const sym = (Symbol as unknown as { dispose?: symbol }).dispose ?? Symbol.for('dispose');
  const h = handle as Record<symbol, (() => void) | undefined>;
  h[sym]?.();
}

/** The preopened directory holding `path`, and `path` relative to it. */
function locate(path: string): [Descriptor, string] {
  if (!path.startsWith('/')) throw new FatalError(`${path}: use an absolute path`);
  let best: [Descriptor, string] | undefined;
  let bestLen = -1;
  for (const [dir, at] of (preopens ??= getDirectories())) {
    const prefix = at.endsWith('/') ? at : `${at}/`;
    if ((path.startsWith(prefix) || at === '/') && at.length > bestLen) {
      best = [dir, path.slice(at === '/' ? 1 : prefix.length)];
      bestLen = at.length;
    }
  }
  if (!best) {
    throw new FatalError(`${path}: not inside a directory this connector may use; add its directory to wasm.allowed.dirs`);
  }
  return best;
}

function fsError(path: string, e: unknown): FatalError {
  const code = typeof e === 'object' && e !== null && 'payload' in e ? String((e as { payload: unknown }).payload) : String(e);
  return new FatalError(`${path}: ${code}`);
}

/** A file opened for appending; `write` buffers, `flush` writes and syncs. */
export class AppendFile {
  readonly path: string;
  #fd: Descriptor;
  #size: bigint;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;

  private constructor(path: string, fd: Descriptor, size: bigint) {
    this.path = path;
    this.#fd = fd;
    this.#size = size;
  }

  /** Opens (creating it if needed) `path` for appending. */
  static open(path: string): AppendFile {
    const [dir, rel] = locate(path);
    try {
      const fd = dir.openAt({ symlinkFollow: true }, rel, { create: true }, { read: true, write: true });
      return new AppendFile(path, fd, fd.stat().size);
    } catch (e) {
      throw fsError(path, e);
    }
  }

  /** Buffers `data` (text is written as UTF-8). */
  write(data: string | Uint8Array): void {
    const bytes = typeof data === 'string' ? utf8.encode(data) : data;
    this.#pending.push(bytes);
    this.#pendingBytes += bytes.length;
  }

  /** Bytes buffered and not yet written. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /** Drops what is buffered and closes the file (call `flush` first to keep it). */
  close(): void {
    this.#pending = [];
    this.#pendingBytes = 0;
    drop(this.#fd);
  }

  /** Writes what is buffered at the end of the file and syncs it to disk. */
  flush(): void {
    if (this.#pendingBytes === 0) return;
    const all = new Uint8Array(this.#pendingBytes);
    let at = 0;
    for (const b of this.#pending) {
      all.set(b, at);
      at += b.length;
    }
    this.#pending = [];
    this.#pendingBytes = 0;
    try {
      let done = 0;
      while (done < all.length) {
        const n = Number(this.#fd.write(all.subarray(done), this.#size));
        done += n;
        this.#size += BigInt(n);
      }
      this.#fd.syncData();
    } catch (e) {
      throw fsError(this.path, e);
    }
  }
}

/** The whole content of `path` (for small files). */
export function readFile(path: string): Uint8Array {
  const [dir, rel] = locate(path);
  try {
    const fd = dir.openAt({ symlinkFollow: true }, rel, {}, { read: true });
    try {
      return readAll(fd);
    } finally {
      drop(fd);
    }
  } catch (e) {
    throw fsError(path, e);
  }
}

function readAll(fd: Descriptor): Uint8Array {
  {
    const size = fd.stat().size;
    const parts: Uint8Array[] = [];
    let offset = 0n;
    while (offset < size) {
      const [chunk, end] = fd.read(size - offset, offset);
      parts.push(chunk);
      offset += BigInt(chunk.length);
      if (end || chunk.length === 0) break;
    }
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}
