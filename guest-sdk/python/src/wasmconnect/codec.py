"""The ``WCB1`` record-batch codec, exactly as ``wit/RECORD-FORMAT.md`` specifies.

Byte for byte the same as the Rust codec (``data/src/batch.rs``): offset-map keys and schema
parameters are written in sorted order, and equal schemas share one schema-table entry.
"""

from __future__ import annotations

import struct as _struct
from typing import Any, Optional

from .data import (LOGICAL_NAMES, Header, Schema, SinkRecord, SourceRecord, Struct, TimestampType,
                   Type, from_logical, to_logical)

MAGIC = b"WCB1"
MAX_DEPTH = 64

_F_OPTIONAL, _F_NAME, _F_VERSION, _F_DOC, _F_PARAMS, _F_DEFAULT = 1, 2, 4, 8, 16, 32

_u8 = _struct.Struct("<B")
_u32 = _struct.Struct("<I")
_i32 = _struct.Struct("<i")
_i64 = _struct.Struct("<q")
_tag_i64 = _struct.Struct("<Bq")
_PACK = {
    Type.INT8: _struct.Struct("<Bb"),
    Type.INT16: _struct.Struct("<Bh"),
    Type.INT32: _struct.Struct("<Bi"),
    Type.INT64: _tag_i64,
    Type.FLOAT32: _struct.Struct("<Bf"),
    Type.FLOAT64: _struct.Struct("<Bd"),
}
_UNPACK = {1: _struct.Struct("<b"), 2: _struct.Struct("<h"), 3: _struct.Struct("<i"),
           4: _i64, 5: _struct.Struct("<f"), 6: _struct.Struct("<d")}


class DecodeError(ValueError):
    """A batch that does not follow RECORD-FORMAT.md, with the byte offset where it went wrong."""


# Encoding ------------------------------------------------------------------------------------

def _put_str(out: bytearray, s: str) -> None:
    b = s.encode()
    out += _u32.pack(len(b))
    out += b


def _put_bytes(out: bytearray, b) -> None:
    out += _u32.pack(len(b))
    out += b


def _schema_bytes(s: Schema) -> bytes:
    out = bytearray()
    _put_schema(out, s)
    return bytes(out)


def _put_schema(out: bytearray, s: Schema) -> None:
    if s._enc is not None:
        out += s._enc
        return
    start = len(out)
    if (s.type is Type.ARRAY and s.value_schema is None) or (
            s.type is Type.MAP and (s.key_schema is None or s.value_schema is None)):
        raise ValueError(f"{s.type.name.lower()} schema without its element schemas")
    flags = ((_F_OPTIONAL if s.optional else 0) | (_F_NAME if s.name is not None else 0)
             | (_F_VERSION if s.version is not None else 0) | (_F_DOC if s.doc is not None else 0)
             | (_F_PARAMS if s.parameters else 0) | (_F_DEFAULT if s.default is not None else 0))
    out.append(s.type)
    out.append(flags)
    if s.name is not None:
        _put_str(out, s.name)
    if s.version is not None:
        out += _i32.pack(s.version)
    if s.doc is not None:
        _put_str(out, s.doc)
    if s.parameters:
        out += _u32.pack(len(s.parameters))
        for k in sorted(s.parameters):
            _put_str(out, k)
            _put_str(out, s.parameters[k])
    if s.type is Type.ARRAY:
        _put_schema(out, s.value_schema)
    elif s.type is Type.MAP:
        _put_schema(out, s.key_schema)
        _put_schema(out, s.value_schema)
    elif s.type is Type.STRUCT:
        out += _u32.pack(len(s.fields))
        for name, fs in s.fields:
            _put_str(out, name)
            _put_schema(out, fs)
    if s.default is not None:
        _put_value(out, s.default, s, "default")
    s._enc = bytes(out[start:])


def _put_value(out: bytearray, v: Any, s: Optional[Schema], where: str) -> None:
    if v is None:
        if s is not None and not s.optional and s.default is None:
            raise ValueError(f"{where}: null for a required {s.type.name.lower()} schema")
        out.append(0)
        return
    if s is None:
        _put_schemaless(out, v, where)
        return
    t = s.type
    if s.name in LOGICAL_NAMES:
        v = from_logical(s, v)
    try:
        p = _PACK.get(t)
        if p is not None:
            out += p.pack(t, v)
        elif t is Type.STRING:
            out.append(8)
            _put_str(out, v)
        elif t is Type.BOOLEAN:
            out.append(7)
            out.append(1 if v else 0)
        elif t is Type.BYTES:
            out.append(9)
            _put_bytes(out, v)
        elif t is Type.ARRAY:
            out.append(10)
            out += _u32.pack(len(v))
            es = s.value_schema
            for i, item in enumerate(v):
                _put_value(out, item, es, where)
        elif t is Type.MAP:
            out.append(11)
            items = v.items() if isinstance(v, dict) else v
            out += _u32.pack(len(v))
            ks, vs = s.key_schema, s.value_schema
            for k, item in items:
                _put_value(out, k, ks, where)
                _put_value(out, item, vs, where)
        else:  # struct
            if isinstance(v, dict):
                v = Struct(s, **v)
            elif not isinstance(v, Struct):
                raise TypeError(f"expected a Struct, got {type(v).__name__}")
            out.append(12)
            out += _u32.pack(len(s.fields))
            for (name, fs), fv in zip(s.fields, v.values):
                _put_value(out, fv, fs, name)
    except (_struct.error, TypeError, AttributeError) as e:
        raise ValueError(f"{where}: {v!r} does not fit a {t.name.lower()} schema ({e})") from None


def _put_schemaless(out: bytearray, v: Any, where: str) -> None:
    if v is True or v is False:
        out.append(7)
        out.append(1 if v else 0)
    elif isinstance(v, int):
        out += _tag_i64.pack(4, v)
    elif isinstance(v, float):
        out.append(6)
        out += _struct.pack("<d", v)
    elif isinstance(v, str):
        out.append(8)
        _put_str(out, v)
    elif isinstance(v, (bytes, bytearray, memoryview)):
        out.append(9)
        _put_bytes(out, v)
    elif isinstance(v, (list, tuple)):
        out.append(10)
        out += _u32.pack(len(v))
        for item in v:
            _put_value(out, item, None, where)
    elif isinstance(v, dict):
        out.append(11)
        out += _u32.pack(len(v))
        for k, item in v.items():
            _put_value(out, k, None, where)
            _put_value(out, item, None, where)
    elif isinstance(v, Struct):
        _put_value(out, v, v.schema, where)
    else:
        raise ValueError(f"{where}: cannot encode a {type(v).__name__} without a schema")


_STRS: dict = {}


def _str_bytes(k: str) -> bytes:
    """The `str` encoding of a short, repeated string (keys, topics), memoized."""
    b = _STRS.get(k)
    if b is None:
        if len(_STRS) > 4096:
            _STRS.clear()
        raw = k.encode()
        b = _STRS[k] = _u32.pack(len(raw)) + raw
    return b


def _put_offset_map(out: bytearray, m: dict) -> None:
    out += _u32.pack(len(m))
    for k in (m if len(m) < 2 else sorted(m)):
        v = m[k]
        out += _STRS.get(k) or _str_bytes(k)
        t = type(v)
        if t is int:
            out += _tag_i64.pack(4, v)
        elif t is str:
            out.append(8)
            _put_str(out, v)
        elif v is None:
            out.append(0)
        elif t is bool:
            out.append(7)
            out.append(1 if v else 0)
        elif t is float:
            out.append(6)
            out += _struct.pack("<d", v)
        elif isinstance(v, (bytes, bytearray)):
            out.append(9)
            _put_bytes(out, v)
        elif isinstance(v, int):
            out += _tag_i64.pack(4, v)
        else:
            raise ValueError(f"source partition/offset {k}: {type(v).__name__} is not a primitive")


class _Table:
    """The schema table of a batch: distinct schemas, by identity first, then equality."""

    def __init__(self):
        self.entries: list[Schema] = []
        self.by_id: dict[int, int] = {}
        self.by_bytes: dict[bytes, int] = {}
        self.refs: list[int] = []

    def add(self, s: Optional[Schema]) -> None:
        if s is None:
            self.refs.append(0)
            return
        r = self.by_id.get(id(s))
        if r is None:
            key = s._key()
            r = self.by_bytes.get(key)
            if r is None:
                self.entries.append(s)
                r = self.by_bytes[key] = len(self.entries)
            self.by_id[id(s)] = r
        self.refs.append(r)

    def begin(self, out: bytearray, count: int) -> None:
        out += MAGIC
        out += _u32.pack(len(self.entries))
        for s in self.entries:
            out += s._key()
        out += _u32.pack(count)


def _put_headers(out: bytearray, headers: list, refs) -> None:
    out += _u32.pack(len(headers))
    for h in headers:
        _put_str(out, h.key)
        out += _u32.pack(next(refs))
        _put_value(out, h.value, h.schema, f"header {h.key}")


def encode_source(records: list[SourceRecord]) -> bytes:
    """Encodes source records into one batch."""
    table = _Table()
    for r in records:
        table.add(r.key_schema)
        table.add(r.value_schema)
        for h in r.headers:
            table.add(h.schema)
    out = bytearray()
    table.begin(out, len(records))
    refs = iter(table.refs)
    partitions: dict[int, bytes] = {}  # records often share one source-partition dict
    u32, i64 = _u32.pack, _i64.pack
    for r in records:
        out += _STRS.get(r.topic) or _str_bytes(r.topic)
        if r.partition is None:
            out.append(0)
        else:
            out.append(1)
            out += _i32.pack(r.partition)
        sp = r.source_partition
        enc = partitions.get(id(sp))
        if enc is None:
            start = len(out)
            _put_offset_map(out, sp)
            partitions[id(sp)] = bytes(out[start:])
        else:
            out += enc
        _put_offset_map(out, r.source_offset)
        out += u32(next(refs))
        _put_value(out, r.key, r.key_schema, "key")
        out += u32(next(refs))
        _put_value(out, r.value, r.value_schema, "value")
        if r.timestamp is None:
            out.append(0)
        else:
            out.append(1)
            out += i64(r.timestamp)
        _put_headers(out, r.headers, refs)
    return bytes(out)


def encode_sink(records: list[SinkRecord]) -> bytes:
    """Encodes sink records into one batch (the worker's side; here for tests)."""
    table = _Table()
    for r in records:
        table.add(r.key_schema)
        table.add(r.value_schema)
        for h in r.headers:
            table.add(h.schema)
    out = bytearray()
    table.begin(out, len(records))
    refs = iter(table.refs)
    for r in records:
        _put_str(out, r.topic)
        out += _i32.pack(r.partition)
        out += _i64.pack(r.offset)
        out += _u32.pack(next(refs))
        _put_value(out, r.key, r.key_schema, "key")
        out += _u32.pack(next(refs))
        _put_value(out, r.value, r.value_schema, "value")
        if r.timestamp is None:
            out.append(0)
        else:
            out.append(1)
            out += _i64.pack(r.timestamp)
        out.append(int(r.timestamp_type))
        _put_headers(out, r.headers, refs)
    return bytes(out)


# Decoding ------------------------------------------------------------------------------------

class _Reader:
    __slots__ = ("buf", "pos")

    def __init__(self, buf):
        self.buf = memoryview(buf)
        self.pos = 0

    def fail(self, why: str):
        raise DecodeError(f"invalid record batch at byte {self.pos}: {why}")

    def take(self, n: int) -> memoryview:
        p = self.pos
        if n > len(self.buf) - p:
            self.fail(f"ends early (needs {n} more bytes)")
        self.pos = p + n
        return self.buf[p:p + n]

    def unpack(self, st: _struct.Struct):
        p = self.pos
        if st.size > len(self.buf) - p:
            self.fail("ends early")
        self.pos = p + st.size
        return st.unpack_from(self.buf, p)[0]

    def u8(self) -> int:
        p = self.pos
        if p >= len(self.buf):
            self.fail("ends early")
        self.pos = p + 1
        return self.buf[p]

    def u32(self) -> int:
        return self.unpack(_u32)

    def str(self) -> str:
        n = self.u32()
        raw = self.take(n)
        try:
            return str(raw, "utf-8")
        except UnicodeDecodeError:
            self.pos -= n
            self.fail("invalid UTF-8")

    def bytes(self) -> bytes:
        return bytes(self.take(self.u32()))

    def schema(self, depth: int = 0) -> Schema:
        if depth > MAX_DEPTH:
            self.fail("schema nested too deeply")
        code = self.u8()
        if not 1 <= code <= 12:
            self.pos -= 1
            self.fail(f"unknown schema type {code}")
        flags = self.u8()
        if flags & ~0x3F:
            self.fail(f"unknown schema flags {flags:#x}")
        t = Type(code)
        name = self.str() if flags & _F_NAME else None
        version = self.unpack(_i32) if flags & _F_VERSION else None
        doc = self.str() if flags & _F_DOC else None
        params = {}
        if flags & _F_PARAMS:
            for _ in range(self.u32()):
                k = self.str()
                params[k] = self.str()
        key = value = None
        fields = []
        if t is Type.ARRAY:
            value = self.schema(depth + 1)
        elif t is Type.MAP:
            key = self.schema(depth + 1)
            value = self.schema(depth + 1)
        elif t is Type.STRUCT:
            for _ in range(self.u32()):
                n = self.str()
                fields.append((n, self.schema(depth + 1)))
        s = Schema(t, optional=bool(flags & _F_OPTIONAL), name=name, version=version, doc=doc,
                   parameters=params, fields=fields, key_schema=key, value_schema=value)
        if flags & _F_DEFAULT:
            s.default = self.value(s, depth + 1)
        return s

    def value(self, s: Optional[Schema], depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            self.fail("value nested too deeply")
        tag = self.u8()
        if tag == 0:
            return None
        if s is not None and tag != s.type:
            self.pos -= 1
            self.fail(f"value tag {tag} does not match a {s.type.name.lower()} schema")
        st = _UNPACK.get(tag)
        if st is not None:
            v = self.unpack(st)
        elif tag == 8:
            v = self.str()
        elif tag == 9:
            v = self.bytes()
        elif tag == 7:
            b = self.u8()
            if b > 1:
                self.fail("boolean not 0 or 1")
            v = b == 1
        elif tag == 10:
            es = s.value_schema if s is not None else None
            v = [self.value(es, depth + 1) for _ in range(self.u32())]
        elif tag == 11:
            ks, vs = (s.key_schema, s.value_schema) if s is not None else (None, None)
            pairs = []
            for _ in range(self.u32()):
                k = self.value(ks, depth + 1)
                pairs.append((k, self.value(vs, depth + 1)))
            try:
                v = dict(pairs)
                if len(v) != len(pairs):
                    v = pairs
            except TypeError:
                v = pairs  # unhashable keys (structs, lists, maps): a list of pairs
        elif tag == 12:
            if s is None:
                self.pos -= 1
                self.fail("a struct value needs a struct schema")
            n = self.u32()
            if n != len(s.fields):
                self.fail(f"struct has {n} values for {len(s.fields)} fields")
            v = Struct(s)
            v.values = [self.value(fs, depth + 1) for _, fs in s.fields]
        else:
            self.pos -= 1
            self.fail(f"unknown value tag {tag}")
        if s is not None and s.name in LOGICAL_NAMES:
            v = to_logical(s, v)
        return v

    def offset_map(self) -> dict:
        m = {}
        for _ in range(self.u32()):
            k = self.str()
            tag = self.u8()
            if tag == 0:
                m[k] = None
            elif tag == 7:
                m[k] = self.u8() == 1
            elif tag == 4:
                m[k] = self.unpack(_i64)
            elif tag == 6:
                m[k] = self.unpack(_UNPACK[6])
            elif tag == 8:
                m[k] = self.str()
            elif tag == 9:
                m[k] = self.bytes()
            else:
                self.pos -= 1
                self.fail(f"offset value tag {tag} is not a primitive")
        return m

    def begin(self) -> list[Schema]:
        if bytes(self.take(4)) != MAGIC:
            self.pos = 0
            self.fail("does not start with WCB1")
        return [self.schema() for _ in range(self.u32())]

    def ref(self, table: list[Schema]) -> Optional[Schema]:
        r = self.u32()
        if r > len(table):
            self.pos -= 4
            self.fail(f"schema-ref {r} past the table of {len(table)}")
        return table[r - 1] if r else None

    def headers(self, table) -> list[Header]:
        hs = []
        for _ in range(self.u32()):
            k = self.str()
            s = self.ref(table)
            hs.append(Header(k, self.value(s), s))
        return hs

    def end(self) -> None:
        if self.pos != len(self.buf):
            self.fail(f"{len(self.buf) - self.pos} bytes left over")


def decode_sink(buf) -> list[SinkRecord]:
    """Decodes a batch of sink records; :class:`DecodeError` if it is malformed."""
    r = _Reader(buf)
    table = r.begin()
    out = []
    for _ in range(r.u32()):
        topic = r.str()
        partition = r.unpack(_i32)
        offset = r.unpack(_i64)
        ks = r.ref(table)
        key = r.value(ks)
        vs = r.ref(table)
        value = r.value(vs)
        ts = r.unpack(_i64) if r.u8() else None
        tt = r.u8()
        if tt > 2:
            r.fail(f"unknown timestamp type {tt}")
        out.append(SinkRecord(topic, partition, offset, key, ks, value, vs, ts, TimestampType(tt),
                              r.headers(table)))
    r.end()
    return out


def decode_source(buf) -> list[SourceRecord]:
    """Decodes a batch of source records (the worker's side; here for tests)."""
    r = _Reader(buf)
    table = r.begin()
    out = []
    for _ in range(r.u32()):
        topic = r.str()
        partition = r.unpack(_i32) if r.u8() else None
        sp = r.offset_map()
        so = r.offset_map()
        ks = r.ref(table)
        key = r.value(ks)
        vs = r.ref(table)
        value = r.value(vs)
        ts = r.unpack(_i64) if r.u8() else None
        out.append(SourceRecord(topic, value, vs, key, ks, sp, so, partition, ts, r.headers(table)))
    r.end()
    return out
