"""Unit tests of the orders logic on plain CPython (no component): run with
``python -m unittest discover -s connectors-wasm/python-orders`` and the SDK's ``src`` on the path."""

import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "..", "..", "guest-sdk", "python", "src")]

import orders  # noqa: E402
from wasmconnect import Config, decode_source, encode_source  # noqa: E402


class OrdersTests(unittest.TestCase):
    def task(self, **config):
        t = orders.OrdersTask()
        t.start(Config({"topic": "orders", **config}))
        return t

    def test_orders_are_deterministic_and_encode(self):
        a, b = self.task(**{"orders.max": "5"}), self.task(**{"orders.max": "5"})
        ra, rb = a.poll(), b.poll()
        self.assertEqual([r.value for r in ra], [r.value for r in rb])
        self.assertEqual([r.source_offset["id"] for r in ra], [0, 1, 2, 3, 4])
        self.assertEqual(a.poll(), [])
        decoded = decode_source(encode_source(ra))
        self.assertEqual([r.value for r in decoded], [r.value for r in ra])
        o = ra[0].value
        self.assertEqual(o["amount"], sum(i["quantity"] * __import__("decimal").Decimal(str(i["unit_price"]))
                                          for i in o["items"]))

    def test_validation_names_the_field(self):
        errors = {v.name: v.errors for v in orders.OrdersConnector.validate(Config({"orders.per.poll": "0"}))}
        self.assertIn("topic", errors["topic"][0])
        self.assertEqual(errors["orders.per.poll"],
                         ["Invalid value 0 for configuration orders.per.poll: must be positive"])

    def test_fail_after_raises(self):
        t = self.task(**{"fail.after": "150"})
        t.poll()
        with self.assertRaises(ValueError):
            t.poll()


if __name__ == "__main__":
    unittest.main()
