"""ConfigDef validation and parsing, with Kafka's messages."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))

from wasmconnect import Config, ConfigDef, ConfigType, FatalError, Importance  # noqa: E402


def definition() -> ConfigDef:
    return (ConfigDef()
            .define("file", ConfigType.STRING, Importance.HIGH, "f")
            .define("batch.size", ConfigType.INT, Importance.LOW, "b", default=2000)
            .define("topic", ConfigType.STRING, Importance.HIGH, "t",
                    validator=lambda v: "one topic only" if "," in v else None))


class ConfigTests(unittest.TestCase):
    def test_validate_reports_missing_bad_type_and_validator_errors(self):
        v = definition().validate({"batch.size": "x", "topic": "a,b"})
        self.assertEqual(v[0].errors, ['Missing required configuration "file" which has no default value.'])
        self.assertEqual(v[1].errors, ["Invalid value x for configuration batch.size: Not a number of type INT"])
        self.assertEqual(v[2].errors, ["Invalid value a,b for configuration topic: one topic only"])
        self.assertTrue(all(not x.errors for x in definition().validate({"file": "/f", "topic": "t"})))

    def test_parse_fills_defaults_and_getters_parse(self):
        c = definition().parse({"file": "/f", "topic": "t"})
        self.assertEqual(c.get_int("batch.size"), 2000)
        self.assertEqual(c.require("file"), "/f")
        with self.assertRaises(FatalError):
            c.require("nope")
        with self.assertRaises(FatalError) as e:
            definition().parse({})
        self.assertIn('"file"', str(e.exception))
        c = Config({"b": "TRUE", "l": " a, b ,c", "n": "1.5", "big": "3000000000"})
        self.assertIs(c.get_bool("b"), True)
        self.assertEqual(c.get_list("l"), ["a", "b", "c"])
        self.assertEqual(c.get_double("n"), 1.5)
        self.assertEqual(c.get_long("big"), 3_000_000_000)
        with self.assertRaises(FatalError):
            c.get_int("big")
        with self.assertRaises(FatalError):
            c.get_long("n")


if __name__ == "__main__":
    unittest.main()
