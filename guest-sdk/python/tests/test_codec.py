"""The WCB1 codec against the Rust codec's golden vectors (tests/golden/*.bin, written by the
integration test `python::golden_vectors_match_the_rust_codec`), plus hand-built cases.

Run: python -m unittest discover -s guest-sdk/python/tests
"""

import datetime as dt
import decimal
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "src"))

from wasmconnect import (DecodeError, Header, Schema, SinkRecord, SourceRecord, Struct,  # noqa: E402
                         TimestampType, decode_sink, decode_source, encode_sink, encode_source)

GOLDEN = os.environ.get("WASMCONNECT_GOLDEN_DIR", os.path.join(HERE, "golden"))


def golden(name: str) -> bytes:
    with open(os.path.join(GOLDEN, name), "rb") as f:
        return f.read()


class GoldenVectors(unittest.TestCase):
    def test_source_round_trips_byte_for_byte(self):
        raw = golden("source.bin")
        records = decode_source(raw)
        self.assertEqual(len(records), 3)
        r = records[0]
        self.assertEqual((r.topic, r.partition, r.key, r.timestamp), ("orders", 2, "k1", 1_700_000_000_000))
        self.assertEqual(r.source_partition, {"file": "/in.txt"})
        self.assertEqual(r.source_offset, {"b": True, "f": 0.5, "n": None, "pos": 123, "raw": b"\x01\x02"})
        o = r.value
        self.assertIsInstance(o, Struct)
        self.assertEqual(r.value_schema.name, "com.example.Order")
        self.assertEqual(o["id"], -42)
        self.assertEqual((o["i8"], o["i16"], o["f32"], o["f64"], o["ok"]), (-8, 1600, 1.5, -0.1, None))
        self.assertEqual(o["amount"], decimal.Decimal("123.45"))
        self.assertEqual(o["day"], dt.date(2022, 1, 8))
        self.assertEqual(o["time"], dt.time(1, 0))
        self.assertEqual(o["ts"], dt.datetime(2023, 11, 14, 22, 13, 20, 123000, tzinfo=dt.timezone.utc))
        self.assertEqual([i.as_dict() for i in o["items"]], [{"sku": "ab-1", "qty": 3}] * 2)
        self.assertEqual(o["tags"], {"b": 2, "a": 1})
        self.assertEqual(o["note"], "héllo ✓")
        self.assertEqual(o["blob"], b"\x00\xff\x07")
        self.assertEqual(r.value_schema.field("note").default, "none")
        self.assertEqual(r.value_schema.field("note").doc, "free text")
        self.assertEqual(r.value_schema.field("amount").parameters, {"scale": "2"})
        self.assertEqual([(h.key, h.value) for h in r.headers], [("h1", "v"), ("h2", b"\x09")])
        self.assertEqual(records[1].value, {"list": [1, False, None], 7: 2.5})
        self.assertIsNone(records[1].value_schema)
        self.assertEqual(records[2].value, o)
        self.assertIs(records[2].value_schema, r.value_schema)  # one schema-table entry
        self.assertEqual(encode_source(records), raw)

    def test_sink_round_trips_byte_for_byte(self):
        raw = golden("sink.bin")
        records = decode_sink(raw)
        self.assertEqual([(r.topic, r.partition, r.offset) for r in records],
                         [("orders", 3, 9_000_000_000), ("lines", 0, 0)])
        self.assertEqual(records[0].key, b"key")
        self.assertEqual(records[0].timestamp_type, TimestampType.LOG_APPEND_TIME)
        self.assertEqual(records[1].value, "hello")
        self.assertEqual(encode_sink(records), raw)

    def test_empty_batch(self):
        raw = golden("empty-source.bin")
        self.assertEqual(raw, b"WCB1" + bytes(8))
        self.assertEqual(decode_source(raw), [])
        self.assertEqual(encode_source([]), raw)

    def test_built_records_encode_as_the_rust_codec_does(self):
        # The same records as the golden source batch, built with the Python API.
        item = Schema.struct([("sku", Schema.string()), ("qty", Schema.int32())], name="com.example.Item")
        order = Schema.struct([
            ("id", Schema.int64()), ("i8", Schema.int8()), ("i16", Schema.int16()),
            ("f32", Schema.float32()), ("f64", Schema.float64()), ("ok", Schema.boolean(optional=True)),
            ("amount", Schema.decimal(2)),
            ("day", Schema.date(version=None)), ("time", Schema.time(version=None)),
            ("ts", Schema.timestamp(version=None)),
            ("items", Schema.array(item)),
            ("tags", Schema.map(Schema.string(), Schema.int64(), optional=True)),
            ("note", Schema.string(optional=True, default="none", doc="free text")),
            ("blob", Schema.bytes(optional=True)),
        ], name="com.example.Order")
        value = Struct(order, id=-42, i8=-8, i16=1600, f32=1.5, f64=-0.1, ok=None,
                       amount=decimal.Decimal("123.45"), day=dt.date(2022, 1, 8), time=dt.time(1),
                       ts=dt.datetime(2023, 11, 14, 22, 13, 20, 123000, tzinfo=dt.timezone.utc),
                       items=[{"sku": "ab-1", "qty": 3}, Struct(item, sku="ab-1", qty=3)],
                       tags={"b": 2, "a": 1}, note="héllo ✓", blob=b"\x00\xff\x07")
        records = [
            SourceRecord("orders", value, order, "k1", Schema.string(), {"file": "/in.txt"},
                         {"pos": 123, "f": 0.5, "b": True, "n": None, "raw": b"\x01\x02"}, 2,
                         1_700_000_000_000,
                         [Header("h1", "v", Schema.string()), Header("h2", b"\x09")]),
            SourceRecord("schemaless", {"list": [1, False, None], 7: 2.5},
                         source_partition={"file": "/in.txt"}),
            SourceRecord("orders", value, order, "k2", Schema.string()),
        ]
        self.assertEqual(encode_source(records), golden("source.bin"))


class Codec(unittest.TestCase):
    def test_rejects_malformed_batches(self):
        good = golden("source.bin")
        for bad, why in [(b"WCB2" + good[4:], "WCB1"), (good[:-1], "ends early"),
                         (good + b"\0", "left over"), (b"WCB1" + bytes(4) + b"\1\0\0\0", "ends early")]:
            with self.assertRaises(DecodeError) as e:
                decode_source(bad)
            self.assertIn(why, str(e.exception))
        with self.assertRaises(DecodeError) as e:
            decode_sink(b"WCB1\0\0\0\0\1\0\0\0" + b"\1\0\0\0t" + bytes(12) + b"\0\0\0\0" + b"\x63")
        self.assertIn("unknown value tag 99", str(e.exception))

    def test_value_that_does_not_fit_its_schema_is_an_error(self):
        with self.assertRaises(ValueError) as e:
            encode_source([SourceRecord("t", "x", Schema.int32())])
        self.assertIn("int32", str(e.exception))
        with self.assertRaises(ValueError):
            encode_source([SourceRecord("t", None, Schema.string())])
        with self.assertRaises(ValueError):
            encode_source([SourceRecord("t", 300, Schema.int8())])

    def test_decimal_bytes_match_java_big_integer(self):
        from wasmconnect.data import decimal_from_bytes, decimal_to_bytes
        for v, raw in [("0", b"\0"), ("1.27", b"\x7f"), ("1.28", b"\0\x80"), ("-1.28", b"\x80"),
                       ("-1.29", b"\xff\x7f"), ("123.45", b"\x30\x39")]:
            self.assertEqual(decimal_to_bytes(decimal.Decimal(v), 2), raw, v)
            self.assertEqual(decimal_from_bytes(raw, 2), decimal.Decimal(v))


if __name__ == "__main__":
    unittest.main()
