"""A source of realistic, deterministic e-commerce orders, written in Python.

Each record is an ``Order`` struct (id, customer, amount as Decimal, currency, created as
Timestamp, an array of ``Item`` structs, express flag, optional note) keyed by the order id as
a string. Order ``n`` is always the same for a given ``seed``, so a restart that resumes from
the committed offset continues the exact sequence without loss or duplicates.
"""

import datetime as dt
import decimal
import time

from wasmconnect import (ConfigDef, ConfigType, Importance, PluginInfo, Schema, SourceConnector,
                         SourceRecord, SourceTask, Struct, export_source, info, offset)

ITEM = Schema.struct([
    ("sku", Schema.string()),
    ("quantity", Schema.int32()),
    ("unit_price", Schema.float64()),
], name="io.wasmconnect.python.OrderItem")

ORDER = Schema.struct([
    ("id", Schema.int64()),
    ("customer", Schema.string()),
    ("amount", Schema.decimal(2)),
    ("currency", Schema.string()),
    ("created", Schema.timestamp()),
    ("items", Schema.array(ITEM)),
    ("express", Schema.boolean()),
    ("note", Schema.string(optional=True)),
], name="io.wasmconnect.python.Order", version=1)

KEY = Schema.string()
PARTITION = {"generator": "orders"}

CUSTOMERS = ["ada", "grace", "alan", "barbara", "edsger", "margaret", "donald", "frances",
             "ken", "radia", "linus", "sophie"]
PRODUCTS = {"kb-01": 49.90, "ms-02": 19.99, "mn-27": 219.00, "cb-05": 7.50, "hd-10": 89.00,
            "sd-32": 12.25}
NOTES = [None, None, None, "leave at the door", "gift wrap", "call on arrival"]
CURRENCIES = ["EUR", "EUR", "USD", "GBP"]


def positive(v: str):
    return None if int(v) > 0 else "must be positive"


SKUS = sorted(PRODUCTS)
PRICES = {sku: decimal.Decimal(str(p)) for sku, p in PRODUCTS.items()}
CENTS = decimal.Decimal("0.01")
MASK = (1 << 64) - 1


class SplitMix64:
    """A tiny seeded generator (SplitMix64): one per order, so order ``n`` never depends on
    the orders before it, and far cheaper to seed than ``random.Random``."""

    def __init__(self, seed: int):
        self.state = seed & MASK

    def next(self, bound: int) -> int:
        self.state = z = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return (z ^ (z >> 31)) % bound


def order(n: int, seed: int, start: dt.datetime) -> Struct:
    """Order number ``n``: the same for the same seed, whatever ran before."""
    rng = SplitMix64(seed * 1_000_003 + n)
    first = rng.next(len(SKUS))
    skus = [SKUS[(first + k) % len(SKUS)] for k in range(1 + rng.next(3))]
    items = [Struct(ITEM, sku=sku, quantity=1 + rng.next(4), unit_price=PRODUCTS[sku]) for sku in skus]
    total = sum(PRICES[i["sku"]] * i["quantity"] for i in items)
    return Struct(
        ORDER, id=n, customer=CUSTOMERS[rng.next(len(CUSTOMERS))], amount=total.quantize(CENTS),
        currency=CURRENCIES[rng.next(len(CURRENCIES))],
        created=start + dt.timedelta(seconds=n * 7 + rng.next(7)),
        items=items, express=rng.next(5) == 0, note=NOTES[rng.next(len(NOTES))])


class OrdersConnector(SourceConnector):
    @classmethod
    def info(cls):
        return PluginInfo("io.wasmconnect.python.OrdersSourceConnector", "0.1.0",
                          ["PythonOrders", "python-orders"],
                          "Deterministic e-commerce orders with a schema (a Python connector).")

    @classmethod
    def config_def(cls):
        return (ConfigDef()
                .define("topic", ConfigType.STRING, Importance.HIGH, "Topic to write orders to.")
                .define("orders.max", ConfigType.LONG, Importance.MEDIUM,
                        "Orders to generate in total; -1 for no limit.", default=-1)
                .define("orders.per.poll", ConfigType.INT, Importance.LOW,
                        "Most orders returned by one poll.", default=100, validator=positive)
                .define("orders.per.second", ConfigType.DOUBLE, Importance.LOW,
                        "Rate limit; 0 for as fast as the worker polls.", default=0)
                .define("seed", ConfigType.LONG, Importance.LOW,
                        "Seed of the generator: the same seed gives the same orders.", default=42)
                .define("start.ms", ConfigType.LONG, Importance.LOW,
                        "Creation time of order 0, in ms since the epoch.", default=1_700_000_000_000)
                .define("fail.after", ConfigType.LONG, Importance.LOW,
                        "Raise an exception once this many orders were generated (for tests); "
                        "-1 never.", default=-1))

    def task_configs(self, max_tasks):
        return [dict(self.config)]  # one generator: order ids are a single sequence


class OrdersTask(SourceTask):
    def start(self, config):
        c = OrdersConnector.config_def().parse(config)
        self.topic = c["topic"]
        self.max = c.get_long("orders.max")
        self.per_poll = c.get_int("orders.per.poll")
        self.rate = c.get_double("orders.per.second")
        self.seed = c.get_long("seed")
        self.fail_after = c.get_long("fail.after")
        self.start_time = dt.datetime.fromtimestamp(c.get_long("start.ms") / 1000, dt.timezone.utc)
        last = offset(PARTITION)
        self.next = last["id"] + 1 if last else 0
        self.clock = time.monotonic()
        self.allowance = 0.0
        info(f"orders resume at id {self.next}")

    def poll(self):
        n = self.per_poll
        if self.max >= 0:
            n = min(n, self.max - self.next)
        if self.rate > 0:
            now = time.monotonic()
            self.allowance = min(self.allowance + (now - self.clock) * self.rate, float(self.per_poll))
            self.clock = now
            n = min(n, int(self.allowance))
            self.allowance -= max(n, 0)
        if n <= 0:
            return []
        if 0 <= self.fail_after < self.next + n:
            raise ValueError(f"simulated failure after {self.fail_after} orders")
        records = []
        for i in range(self.next, self.next + n):
            o = order(i, self.seed, self.start_time)
            records.append(SourceRecord(self.topic, o, ORDER, key=str(i), key_schema=KEY,
                                        source_partition=PARTITION, source_offset={"id": i},
                                        timestamp=int(o["created"].timestamp() * 1000)))
        self.next += n
        return records


export_source(OrdersConnector, OrdersTask)
