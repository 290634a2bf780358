"""Connect's data model: schemas, structs, records, and the logical types.

Values are plain Python: ``None``, ``bool``, ``int``, ``float``, ``str``, ``bytes``, ``list``,
``dict`` and :class:`Struct`. Logical types come out as ``decimal.Decimal`` (Decimal),
``datetime.date`` (Date), ``datetime.time`` (Time) and ``datetime.datetime`` in UTC
(Timestamp); they may be given either so or as their underlying ``bytes``/``int``.
"""

from __future__ import annotations

import datetime as _dt
import decimal as _decimal
import enum
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional


class Type(enum.IntEnum):
    """A schema type; the numbers are RECORD-FORMAT.md's type codes."""

    INT8 = 1
    INT16 = 2
    INT32 = 3
    INT64 = 4
    FLOAT32 = 5
    FLOAT64 = 6
    BOOLEAN = 7
    STRING = 8
    BYTES = 9
    ARRAY = 10
    MAP = 11
    STRUCT = 12


DECIMAL = "org.apache.kafka.connect.data.Decimal"
DATE = "org.apache.kafka.connect.data.Date"
TIME = "org.apache.kafka.connect.data.Time"
TIMESTAMP = "org.apache.kafka.connect.data.Timestamp"


class Schema:
    """A Connect schema. Build with the class methods (``Schema.int64()``,
    ``Schema.struct([...], name=...)``, ``Schema.decimal(2)``, ...). Treat as immutable once
    used in a record: batches cache its encoding."""

    __slots__ = ("type", "optional", "default", "name", "version", "doc", "parameters",
                 "fields", "key_schema", "value_schema", "_enc", "_index")

    def __init__(self, type: Type, *, optional: bool = False, default: Any = None,
                 name: Optional[str] = None, version: Optional[int] = None,
                 doc: Optional[str] = None, parameters: Optional[dict] = None,
                 fields: Iterable[tuple[str, "Schema"]] = (),
                 key_schema: Optional["Schema"] = None, value_schema: Optional["Schema"] = None):
        self.type = Type(type)
        self.optional = optional
        self.default = default
        self.name = name
        self.version = version
        self.doc = doc
        self.parameters = dict(parameters or {})
        self.fields = list(fields)
        self.key_schema = key_schema
        self.value_schema = value_schema
        self._enc: Optional[bytes] = None
        self._index = {n: i for i, (n, _) in enumerate(self.fields)}

    # Primitives ------------------------------------------------------------------------------
    @classmethod
    def int8(cls, **kw) -> "Schema": return cls(Type.INT8, **kw)
    @classmethod
    def int16(cls, **kw) -> "Schema": return cls(Type.INT16, **kw)
    @classmethod
    def int32(cls, **kw) -> "Schema": return cls(Type.INT32, **kw)
    @classmethod
    def int64(cls, **kw) -> "Schema": return cls(Type.INT64, **kw)
    @classmethod
    def float32(cls, **kw) -> "Schema": return cls(Type.FLOAT32, **kw)
    @classmethod
    def float64(cls, **kw) -> "Schema": return cls(Type.FLOAT64, **kw)
    @classmethod
    def boolean(cls, **kw) -> "Schema": return cls(Type.BOOLEAN, **kw)
    @classmethod
    def string(cls, **kw) -> "Schema": return cls(Type.STRING, **kw)
    @classmethod
    def bytes(cls, **kw) -> "Schema": return cls(Type.BYTES, **kw)

    # Containers ------------------------------------------------------------------------------
    @classmethod
    def array(cls, element: "Schema", **kw) -> "Schema":
        return cls(Type.ARRAY, value_schema=element, **kw)

    @classmethod
    def map(cls, key: "Schema", value: "Schema", **kw) -> "Schema":
        return cls(Type.MAP, key_schema=key, value_schema=value, **kw)

    @classmethod
    def struct(cls, fields: Iterable[tuple[str, "Schema"]], **kw) -> "Schema":
        """A struct schema; field order is significant."""
        return cls(Type.STRUCT, fields=fields, **kw)

    # Logical types ---------------------------------------------------------------------------
    @classmethod
    def decimal(cls, scale: int, **kw) -> "Schema":
        """``org.apache.kafka.connect.data.Decimal``: bytes holding the unscaled value."""
        params = {"scale": str(scale), **kw.pop("parameters", {})}
        return cls(Type.BYTES, name=DECIMAL, version=kw.pop("version", 1), parameters=params, **kw)

    @classmethod
    def date(cls, **kw) -> "Schema":
        """``org.apache.kafka.connect.data.Date``: int32 days since the epoch."""
        return cls(Type.INT32, name=DATE, version=kw.pop("version", 1), **kw)

    @classmethod
    def time(cls, **kw) -> "Schema":
        """``org.apache.kafka.connect.data.Time``: int32 milliseconds since midnight."""
        return cls(Type.INT32, name=TIME, version=kw.pop("version", 1), **kw)

    @classmethod
    def timestamp(cls, **kw) -> "Schema":
        """``org.apache.kafka.connect.data.Timestamp``: int64 milliseconds since the epoch."""
        return cls(Type.INT64, name=TIMESTAMP, version=kw.pop("version", 1), **kw)

    def field(self, name: str) -> Optional["Schema"]:
        """The schema of field ``name`` of a struct schema."""
        i = self._index.get(name)
        return None if i is None else self.fields[i][1]

    def _key(self) -> bytes:
        if self._enc is None:
            from .codec import _schema_bytes
            self._enc = _schema_bytes(self)
        return self._enc

    def __eq__(self, other) -> bool:
        return isinstance(other, Schema) and (self is other or self._key() == other._key())

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        parts = [self.type.name.lower()]
        if self.name:
            parts.append(f"name={self.name!r}")
        if self.optional:
            parts.append("optional")
        if self.fields:
            parts.append("fields=[" + ", ".join(f"{n}: {s!r}" for n, s in self.fields) + "]")
        return f"Schema({', '.join(parts)})"


class Struct:
    """A struct value: values by field name, in the order of its schema's fields::

        order = Struct(ORDER, id=1, customer="ada")
        order["amount"] = Decimal("9.99")
    """

    __slots__ = ("schema", "values")

    def __init__(self, schema: Schema, **values: Any):
        if schema.type is not Type.STRUCT:
            raise ValueError(f"a Struct needs a struct schema, not {schema!r}")
        self.schema = schema
        self.values: list[Any] = [None] * len(schema.fields)
        for k, v in values.items():
            self[k] = v

    def _i(self, name: str) -> int:
        try:
            return self.schema._index[name]
        except KeyError:
            raise KeyError(f"{name} is not a field of {self.schema.name or 'the struct'}") from None

    def __getitem__(self, name: str) -> Any:
        return self.values[self._i(name)]

    def __setitem__(self, name: str, value: Any) -> None:
        self.values[self._i(name)] = value

    def get(self, name: str, default: Any = None) -> Any:
        i = self.schema._index.get(name)
        return default if i is None else self.values[i]

    def as_dict(self) -> dict:
        return {n: v for (n, _), v in zip(self.schema.fields, self.values)}

    def __eq__(self, other) -> bool:
        return isinstance(other, Struct) and self.schema == other.schema and self.values == other.values

    def __repr__(self) -> str:
        return f"Struct({self.as_dict()!r})"


@dataclass
class Header:
    """A record header: a key and a value with an optional schema."""

    key: str
    value: Any
    schema: Optional[Schema] = None


@dataclass
class SourceRecord:
    """A record a source task returns from ``poll``.

    ``source_partition`` and ``source_offset`` are dicts of ``str`` to ``None``, ``bool``,
    ``int``, ``float``, ``str`` or ``bytes``; the worker commits the offset once the record
    is written, and :func:`wasmconnect.offset` reads it back.
    """

    topic: str
    value: Any = None
    value_schema: Optional[Schema] = None
    key: Any = None
    key_schema: Optional[Schema] = None
    source_partition: dict = field(default_factory=dict)
    source_offset: dict = field(default_factory=dict)
    partition: Optional[int] = None
    timestamp: Optional[int] = None
    headers: list[Header] = field(default_factory=list)


class TimestampType(enum.IntEnum):
    """What a sink record's timestamp means."""

    NONE = 0
    CREATE_TIME = 1
    LOG_APPEND_TIME = 2


@dataclass
class SinkRecord:
    """A record a sink task receives in ``put``."""

    topic: str
    partition: int
    offset: int
    key: Any = None
    key_schema: Optional[Schema] = None
    value: Any = None
    value_schema: Optional[Schema] = None
    timestamp: Optional[int] = None
    timestamp_type: TimestampType = TimestampType.NONE
    headers: list[Header] = field(default_factory=list)


# Logical type conversions ------------------------------------------------------------------
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)
_EPOCH_DAY = _dt.date(1970, 1, 1)


def decimal_to_bytes(value: _decimal.Decimal, scale: int) -> bytes:
    """The unscaled value of ``value`` at ``scale``, big-endian two's complement, minimal
    length (Java's ``BigInteger.toByteArray``)."""
    unscaled = int(value.scaleb(scale).to_integral_value(rounding=_decimal.ROUND_HALF_UP))
    n = (unscaled + (unscaled < 0)).bit_length() // 8 + 1
    return unscaled.to_bytes(n, "big", signed=True)


def decimal_from_bytes(raw: bytes, scale: int) -> _decimal.Decimal:
    return _decimal.Decimal(int.from_bytes(raw, "big", signed=True)).scaleb(-scale)


def to_logical(schema: Schema, raw: Any) -> Any:
    """Converts a decoded ``bytes``/``int`` of a logical-type schema to its Python value."""
    if raw is None:
        return None
    name = schema.name
    if name == DECIMAL:
        return decimal_from_bytes(raw, int(schema.parameters.get("scale", "0")))
    if name == DATE:
        return _EPOCH_DAY + _dt.timedelta(days=raw)
    if name == TIME:
        ms = raw
        return _dt.time(ms // 3_600_000, ms // 60_000 % 60, ms // 1000 % 60, ms % 1000 * 1000)
    if name == TIMESTAMP:
        return _EPOCH + _dt.timedelta(milliseconds=raw)
    return raw


def from_logical(schema: Schema, value: Any) -> Any:
    """The underlying ``bytes``/``int`` of a logical value (passed through when already so)."""
    name = schema.name
    if name == DECIMAL and isinstance(value, (_decimal.Decimal, int, float)):
        return decimal_to_bytes(_decimal.Decimal(value), int(schema.parameters.get("scale", "0")))
    if name == DATE and isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
        return (value - _EPOCH_DAY).days
    if name == TIME and isinstance(value, _dt.time):
        return ((value.hour * 60 + value.minute) * 60 + value.second) * 1000 + value.microsecond // 1000
    if name == TIMESTAMP and isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=_dt.timezone.utc)
        delta = value - _EPOCH
        return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000
    return value


LOGICAL_NAMES = frozenset((DECIMAL, DATE, TIME, TIMESTAMP))
