"""Unit tests of the connector logic on plain CPython: `make test` (or
`python3 -m unittest discover -s .`)."""

import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "wasmconnect-sdk", "src")]

import {{name_snake}}  # noqa: E402
from wasmconnect import Config, decode_source, encode_source  # noqa: E402


class {{Name}}Test(unittest.TestCase):
    def test_emits_count_records_then_nothing(self):
        task = {{name_snake}}.{{Name}}Task()
        task.start(Config({"topic": "greetings", "count": "3", "greeting": "hi"}))
        records = task.poll()
        self.assertEqual([r.value["text"] for r in records], ["hi 0", "hi 1", "hi 2"])
        self.assertEqual(task.poll(), [])
        # What the worker will decode.
        self.assertEqual([r.value["n"] for r in decode_source(encode_source(records))], [0, 1, 2])

    def test_missing_topic_is_reported(self):
        errors = {v.name: v.errors for v in {{name_snake}}.{{Name}}Connector.validate(Config())}
        self.assertTrue(errors["topic"])


if __name__ == "__main__":
    unittest.main()
