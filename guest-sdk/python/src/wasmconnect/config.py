"""Configurations and their definitions (`ConfigDef`, `ConfigKey`, `ConfigValue`)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Callable, Iterable, Optional

from .errors import FatalError


class ConfigType(enum.Enum):
    """The type of a configuration key (``ConfigDef.Type``)."""

    BOOLEAN = "BOOLEAN"
    STRING = "STRING"
    INT = "INT"
    SHORT = "SHORT"
    LONG = "LONG"
    DOUBLE = "DOUBLE"
    LIST = "LIST"
    CLASS = "CLASS"
    PASSWORD = "PASSWORD"


class Importance(enum.Enum):
    """How important a key is (``ConfigDef.Importance``)."""

    HIGH = "HIGH"
    MEDIUM = "MEDIUM"
    LOW = "LOW"


class Width(enum.Enum):
    """The UI width of a key (``ConfigDef.Width``)."""

    NONE = "NONE"
    SHORT = "SHORT"
    MEDIUM = "MEDIUM"
    LONG = "LONG"


REQUIRED = object()
"""Default of a key that must be set (``ConfigDef.NO_DEFAULT_VALUE``)."""

_INT_RANGES = {
    ConfigType.INT: (-(2**31), 2**31 - 1),
    ConfigType.SHORT: (-(2**15), 2**15 - 1),
    ConfigType.LONG: (-(2**63), 2**63 - 1),
}


def _parse_bool(v: str) -> Optional[bool]:
    v = v.strip().lower()
    return True if v == "true" else False if v == "false" else None


def _split_list(v: str) -> list[str]:
    return [] if not v.strip() else [s.strip() for s in v.split(",")]


def _invalid(key: str, value: str, ty: ConfigType) -> str:
    why = (
        "Expected value to be either true or false"
        if ty is ConfigType.BOOLEAN
        else f"Not a number of type {ty.value}"
    )
    return f"Invalid value {value} for configuration {key}: {why}"


def _type_error(key: str, value: str, ty: ConfigType) -> Optional[str]:
    v = value.strip()
    if ty is ConfigType.BOOLEAN:
        ok = _parse_bool(v) is not None
    elif ty in _INT_RANGES:
        lo, hi = _INT_RANGES[ty]
        try:
            ok = lo <= int(v) <= hi
        except ValueError:
            ok = False
    elif ty is ConfigType.DOUBLE:
        try:
            float(v)
            ok = True
        except ValueError:
            ok = False
    else:
        ok = True
    return None if ok else _invalid(key, value, ty)


class Config(dict):
    """A configuration: string keys to string values, with typed getters that raise
    :class:`FatalError` with Kafka's messages."""

    def require(self, key: str) -> str:
        """The value of ``key``, or a fatal error naming it when it is missing."""
        if key not in self:
            raise FatalError(f'Missing required configuration "{key}" which has no default value.')
        return self[key]

    def _typed(self, key: str, ty: ConfigType, default):
        if key not in self:
            return default
        error = _type_error(key, self[key], ty)
        if error:
            raise FatalError(error)
        v = self[key].strip()
        return float(v) if ty is ConfigType.DOUBLE else _parse_bool(v) if ty is ConfigType.BOOLEAN else int(v)

    def get_int(self, key: str, default: Optional[int] = None) -> Optional[int]:
        """``key`` as a 32-bit integer, ``default`` when unset."""
        return self._typed(key, ConfigType.INT, default)

    def get_long(self, key: str, default: Optional[int] = None) -> Optional[int]:
        """``key`` as a 64-bit integer, ``default`` when unset."""
        return self._typed(key, ConfigType.LONG, default)

    def get_double(self, key: str, default: Optional[float] = None) -> Optional[float]:
        """``key`` as a float, ``default`` when unset."""
        return self._typed(key, ConfigType.DOUBLE, default)

    def get_bool(self, key: str, default: Optional[bool] = None) -> Optional[bool]:
        """``key`` as a boolean (``true``/``false``, any case), ``default`` when unset."""
        return self._typed(key, ConfigType.BOOLEAN, default)

    def get_list(self, key: str) -> list[str]:
        """``key`` as a comma-separated list; empty when unset."""
        return _split_list(self.get(key, ""))


Validator = Callable[[str], Optional[str]]
"""Checks one value: returns the message shown to the user, or None when valid. It may also
raise ``ValueError`` with the message."""


@dataclass
class ConfigKey:
    """One key of a configuration definition (``ConfigDef.ConfigKey``); required unless a
    ``default`` is given (``None`` means the default is null: the key may be left out)."""

    name: str
    type: ConfigType
    importance: Importance
    documentation: str
    default: object = REQUIRED
    validator: Optional[Validator] = None
    group: Optional[str] = None
    order_in_group: int = -1
    width: Width = Width.NONE
    display_name: str = ""
    dependents: list[str] = field(default_factory=list)

    def validate(self, config: dict) -> "ConfigValue":
        """Validates this key's value in ``config``."""
        value = config.get(self.name)
        errors: list[str] = []
        effective = value
        if value is None:
            if self.default is REQUIRED:
                errors.append(f'Missing required configuration "{self.name}" which has no default value.')
            elif self.default is not None:
                effective = str(self.default)
        if effective is not None:
            error = _type_error(self.name, effective, self.type)
            if error:
                errors.append(error)
            elif self.validator is not None:
                try:
                    why = self.validator(effective)
                except ValueError as e:
                    why = str(e)
                if why:
                    errors.append(f"Invalid value {effective} for configuration {self.name}: {why}")
        return ConfigValue(self.name, value, [], errors, True)


@dataclass
class ConfigValue:
    """The outcome of validating one key (``ConfigValue``); valid when ``errors`` is empty."""

    name: str
    value: Optional[str]
    recommended_values: list[str]
    errors: list[str]
    visible: bool = True


class ConfigDef:
    """A connector's configuration definition (``ConfigDef``)::

        ConfigDef().define("topic", ConfigType.STRING, Importance.HIGH, "Topic to write to.") \\
                   .define("batch.size", ConfigType.INT, Importance.LOW, "Records per poll.", default=100)
    """

    def __init__(self, keys: Iterable[ConfigKey] = ()):
        self._keys: dict[str, ConfigKey] = {}
        for k in keys:
            self._keys[k.name] = k

    def define(self, name_or_key, type: ConfigType = ConfigType.STRING,
               importance: Importance = Importance.MEDIUM, documentation: str = "", **kwargs) -> "ConfigDef":
        """Adds a key (a :class:`ConfigKey`, or its fields); a key of the same name is replaced."""
        key = name_or_key if isinstance(name_or_key, ConfigKey) else ConfigKey(
            name_or_key, type, importance, documentation, **kwargs)
        self._keys[key.name] = key
        return self

    def keys(self) -> list[ConfigKey]:
        """The keys, in definition order."""
        return list(self._keys.values())

    def validate(self, config: dict) -> list[ConfigValue]:
        """One :class:`ConfigValue` per key, in definition order (``Connector.validate``)."""
        return [k.validate(config) for k in self._keys.values()]

    def parse(self, config: dict) -> Config:
        """``config`` with the defaults of unset keys filled in, or a :class:`FatalError`
        listing every problem (as Kafka's ``AbstractConfig``)."""
        errors = [e for v in self.validate(config) for e in v.errors]
        if errors:
            raise FatalError(" ".join(errors))
        out = Config(config)
        for k in self._keys.values():
            if k.name not in out and k.default is not REQUIRED and k.default is not None:
                out[k.name] = str(k.default).lower() if isinstance(k.default, bool) else str(k.default)
        return out
