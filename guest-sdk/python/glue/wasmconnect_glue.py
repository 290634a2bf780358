"""The WIT side of a Python plugin: componentize-py's exports, mapped onto the classes given to
``wasmconnect.export_source`` / ``export_sink``. Only the build puts this directory on the
path; connector code never imports it."""

import logging
import traceback

try:
    from componentize_py_types import Err
except ImportError:  # componentize-py < 0.19
    from wit_world.types import Err
from wit_world import exports
from wit_world.imports import types

from wasmconnect import config as _config
from wasmconnect.connector import exported
from wasmconnect.errors import ConnectError
from wasmconnect.host import WorkerLogHandler

_root = logging.getLogger()
if not any(isinstance(h, WorkerLogHandler) for h in _root.handlers):
    _root.addHandler(WorkerLogHandler())
    _root.setLevel(logging.INFO)


def describe(e: BaseException) -> str:
    """The message of an unexpected exception: its type, message and where it was raised."""
    tb = traceback.extract_tb(e.__traceback__)
    where = "".join(traceback.format_list(tb[-3:])).rstrip()
    return f"{type(e).__name__}: {e}" + (f"\n{where}" if where else "")


def to_wit_error(e: BaseException) -> Err:
    """A ConnectError keeps its kind and message; anything else becomes fatal."""
    if isinstance(e, ConnectError):
        err = types.ConnectError_Retriable if e.retriable else types.ConnectError_Fatal
        return Err(err(e.message))
    return Err(types.ConnectError_Fatal(describe(e)))


def call(f, *args):
    """Calls connector code; every exception comes back as a `connect-error`, never a trap."""
    try:
        return f(*args)
    except BaseException as e:  # noqa: BLE001 - SystemExit too: a trap would lose the message
        raise to_wit_error(e) from None


_DEFAULTS = {True: "true", False: "false"}


def _key_to_wit(k: _config.ConfigKey) -> types.ConfigKey:
    if k.default is _config.REQUIRED:
        default = types.ConfigDefault_Required()
    elif k.default is None:
        default = types.ConfigDefault_NullValue()
    else:
        default = types.ConfigDefault_Value(_DEFAULTS.get(k.default, str(k.default))
                                            if isinstance(k.default, bool) else str(k.default))
    return types.ConfigKey(
        k.name, types.ConfigType[k.type.name], default, types.Importance[k.importance.name],
        k.documentation, k.group, k.order_in_group, types.Width[k.width.name],
        k.display_name or k.name, list(k.dependents))


_connector = None


class Connector(exports.Connector):
    """The `connector` export: one user connector instance per component instance."""

    def info(self) -> types.PluginInfo:
        i = exported()[1].info()
        return types.PluginInfo(i.class_name, list(i.aliases), i.version, i.description)

    def config_def(self):
        return [_key_to_wit(k) for k in exported()[1].config_def().keys()]

    def validate(self, config):
        cls = exported()[1]
        try:
            values = cls.validate(_config.Config(config))
        except BaseException as e:  # noqa: BLE001 - report it on the first key instead of trapping
            keys = cls.config_def().keys()
            values = [_config.ConfigValue(keys[0].name if keys else "connector.class",
                                          None, [], [f"validate failed: {describe(e)}"])]
        return [types.ConfigValue(v.name, v.value, list(v.recommended_values), list(v.errors),
                                  v.visible) for v in values]

    def start(self, config) -> None:
        global _connector

        def go():
            global _connector
            _connector = exported()[1]()
            _connector.start(_config.Config(config))

        call(go)

    def task_configs(self, max_tasks: int):
        if _connector is None:
            raise Err(types.ConnectError_Fatal("connector not started"))
        configs = call(_connector.task_configs, max_tasks)
        return [[(str(k), str(v)) for k, v in c.items()] for c in configs]

    def stop(self) -> None:
        global _connector
        c, _connector = _connector, None
        if c is not None:
            call(c.stop)
