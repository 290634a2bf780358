"""Unit tests of the connector logic on plain CPython: `make test` (or
`python3 -m unittest discover -s .`)."""

import json
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "wasmconnect-sdk", "src")]

import {{name_snake}}  # noqa: E402
from wasmconnect import Config, Schema, SinkRecord, Struct, decode_sink, encode_sink  # noqa: E402


class {{Name}}Test(unittest.TestCase):
    def test_writes_json_lines(self):
        point = Schema.struct([("x", Schema.int32()), ("when", Schema.date())], name="Point")
        batch = encode_sink([
            SinkRecord("t", 0, 7, "k", Schema.string(), Struct(point, x=1, when=__import__("datetime").date(2024, 5, 1)), point),
            SinkRecord("t", 0, 8, None, None, {"free": [1, 2]}),
        ])
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "out.jsonl")
            task = {{name_snake}}.{{Name}}Task()
            task.start(Config({"file": path}))
            task.put(decode_sink(batch))  # what the worker delivers
            task.pre_commit([])
            task.stop()
            with open(path) as f:
                lines = [json.loads(line) for line in f]
        self.assertEqual(lines[0]["value"], {"x": 1, "when": "2024-05-01"})
        self.assertEqual(lines[1]["value"], {"free": [1, 2]})
        self.assertEqual([line["offset"] for line in lines], [7, 8])


if __name__ == "__main__":
    unittest.main()
