/* Unit tests of the C SDK's language-level half, run natively: the WCB1 codec against golden
 * batches written by the Rust codec (tests/golden-gen), and configs. Exits non-zero on failure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasmconnect.h"

static int failures;
#define CHECK(cond)                                                                            \
  do {                                                                                         \
    if (!(cond)) {                                                                             \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                 \
      failures++;                                                                              \
    }                                                                                          \
  } while (0)

static uint8_t *read_file(const char *dir, const char *name, size_t *len) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "cannot open %s\n", path);
    exit(2);
  }
  fseek(f, 0, SEEK_END);
  *len = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *p = malloc(*len ? *len : 1);
  if (fread(p, 1, *len, f) != *len) exit(2);
  fclose(f);
  return p;
}

static void same_bytes(const char *what, const uint8_t *a, size_t alen, const wc_buf *b) {
  if (alen == b->len && memcmp(a, b->ptr, alen) == 0) return;
  size_t i = 0;
  while (i < alen && i < b->len && a[i] == b->ptr[i]) i++;
  fprintf(stderr, "%s: bytes differ at %zu (golden %zu bytes, ours %zu)\n", what, i, alen, b->len);
  failures++;
}

/* The records of golden-gen's `everything()`, built with the C API. */
static wc_schema *everything(void) {
  wc_schema *s = wc_schema_struct();
  wc_schema_field(s, "i8", wc_schema_new(WC_INT8));
  wc_schema_field(s, "i16", wc_schema_new(WC_INT16));
  wc_schema_field(s, "i32", wc_schema_new(WC_INT32));
  wc_schema_field(s, "i64", wc_schema_new(WC_INT64));
  wc_schema_field(s, "f32", wc_schema_new(WC_FLOAT32));
  wc_schema_field(s, "f64", wc_schema_new(WC_FLOAT64));
  wc_schema_field(s, "bool", wc_schema_new(WC_BOOLEAN));
  wc_schema_field(s, "str", wc_schema_new(WC_STRING));
  wc_schema_field(s, "bytes", wc_schema_new(WC_BYTES));
  wc_schema_field(s, "opt", wc_schema_optional(wc_schema_new(WC_STRING)));
  wc_schema_field(s, "dflt", wc_schema_doc(wc_schema_default(wc_schema_new(WC_INT32), wc_int32(42)),
                                           "has a default"));
  wc_schema_field(s, "arr", wc_schema_array(wc_schema_new(WC_INT64)));
  wc_schema_field(s, "map", wc_schema_map(wc_schema_new(WC_STRING), wc_schema_new(WC_FLOAT64)));
  wc_schema_field(s, "decimal", wc_schema_decimal(2));
  wc_schema_field(s, "date", wc_schema_date());
  wc_schema_field(s, "time", wc_schema_time());
  wc_schema_field(s, "ts", wc_schema_timestamp());
  wc_schema_field(s, "inner",
                  wc_schema_optional(wc_schema_field(wc_schema_struct(), "x", wc_schema_new(WC_INT32))));
  wc_schema_name(s, "com.example.Everything");
  return wc_schema_version(s, 3);
}

static wc_value everything_value(const wc_schema *s, int64_t n) {
  wc_value v = wc_struct(s);
  char str[32];
  snprintf(str, sizeof str, "h\xc3\xa9llo %lld", (long long)n);
  wc_struct_put(&v, s, "i8", wc_int8(-8));
  wc_struct_put(&v, s, "i16", wc_int16(-1600));
  wc_struct_put(&v, s, "i32", wc_int32(320000));
  wc_struct_put(&v, s, "i64", wc_int64(-6400000000LL + n));
  wc_struct_put(&v, s, "f32", wc_float32(3.25f));
  wc_struct_put(&v, s, "f64", wc_float64(-6.5e100));
  wc_struct_put(&v, s, "bool", wc_boolean(n % 2 == 0));
  wc_struct_put(&v, s, "str", wc_string(str));
  wc_struct_put(&v, s, "bytes", wc_bytes("\x00\x01\x02\xff", 4));
  wc_struct_put(&v, s, "opt", n == 0 ? wc_null() : wc_string("set"));
  wc_value arr = wc_array(3);
  for (int i = 0; i < 3; i++) arr.as.array.items[i] = wc_int64(i + 1);
  wc_struct_put(&v, s, "arr", arr);
  wc_value map = wc_map(2);
  map.as.map.keys[0] = wc_string("a");
  map.as.map.values[0] = wc_float64(1.5);
  map.as.map.keys[1] = wc_string("b");
  map.as.map.values[1] = wc_float64(-0.0);
  wc_struct_put(&v, s, "map", map);
  wc_struct_put(&v, s, "decimal", wc_bytes("\x30\x39", 2));
  wc_struct_put(&v, s, "date", wc_int32(19000));
  wc_struct_put(&v, s, "time", wc_int32(3600000));
  wc_struct_put(&v, s, "ts", wc_int64(1700000000000LL));
  const wc_schema *inner = s->fields[wc_schema_field_index(s, "inner")].schema;
  wc_value i = wc_struct(inner);
  wc_struct_put(&i, inner, "x", wc_int32(7));
  if (n == 0) {
    wc_value_free(&i);
    i = wc_null();
  }
  wc_struct_put(&v, s, "inner", i);
  return v;
}

static void build_source(wc_source_batch *b) {
  wc_schema *schema = everything();
  wc_schema *key_schema = wc_schema_new(WC_STRING);
  for (int n = 0; n < 2; n++) {
    wc_source_record *r = wc_source_batch_add(b, "everything");
    wc_offset_map_put_string(&r->source_partition, "file", "/data/in.csv");
    wc_offset_map_put(&r->source_partition, "b", wc_boolean(true));
    wc_offset_map_put_int64(&r->source_offset, "position", 1000 + n);
    wc_offset_map_put(&r->source_offset, "f", wc_float64(0.5));
    wc_offset_map_put(&r->source_offset, "n", wc_null());
    wc_offset_map_put(&r->source_offset, "raw", wc_bytes("\x09\x08", 2));
    if (n) {
      r->has_partition = true;
      r->partition = 3;
      r->has_timestamp = true;
      r->timestamp = 1700000000123LL;
    }
    r->key_schema = wc_schema_ref(key_schema);
    r->key = wc_string(n ? "k1" : "k0");
    r->value_schema = wc_schema_ref(schema);
    r->value = everything_value(schema, n);
    wc_headers_add(&r->headers, "h-schema", wc_schema_ref(key_schema), wc_string("v"));
    wc_headers_add(&r->headers, "h-none", NULL, wc_int32(5));
  }
  wc_source_record *r = wc_source_batch_add(b, "schemaless");
  r->value = wc_map(1);
  r->value.as.map.keys[0] = wc_string("list");
  wc_value list = wc_array(3);
  list.as.array.items[0] = wc_boolean(false);
  list.as.array.items[2] = wc_bytes("", 0);
  r->value.as.map.values[0] = list;
  wc_schema_unref(schema);
  wc_schema_unref(key_schema);
}

static void test_golden(const char *dir) {
  size_t len;
  /* Source: decode and re-encode; then build the same records in C and encode. */
  uint8_t *golden = read_file(dir, "source.wcb1", &len);
  wc_source_record *rs = NULL;
  size_t n = 0;
  wc_error *e = wc_decode_source(golden, len, &rs, &n);
  if (e) fprintf(stderr, "decode source: %s\n", e->message);
  CHECK(!e && n == 3);
  wc_buf out = {0};
  wc_encode_source(rs, n, &out);
  same_bytes("source round trip", golden, len, &out);
  CHECK(rs[0].value.type == WC_STRUCT && rs[0].value_schema->field_count == 18);
  CHECK(strcmp(rs[0].value_schema->fields[13].schema->name, WC_DECIMAL_NAME) == 0);
  CHECK(strcmp(wc_schema_get_param(rs[0].value_schema->fields[13].schema, "scale"), "2") == 0);
  CHECK(rs[0].value_schema == rs[1].value_schema); /* one schema-table entry, shared */
  int64_t pos;
  CHECK(wc_offset_map_get_int64(&rs[1].source_offset, "position", &pos) && pos == 1001);
  wc_source_batch built = {0};
  build_source(&built);
  for (size_t i = 0; i < n; i++) wc_source_record_free(&rs[i]);
  free(rs);
  out.len = 0;
  wc_encode_source(built.records, built.len, &out);
  same_bytes("source built in C", golden, len, &out);
  wc_source_batch_clear(&built);
  free(built.records);
  free(golden);

  /* Sink: decode and re-encode. */
  golden = read_file(dir, "sink.wcb1", &len);
  wc_sink_record *ks = NULL;
  e = wc_decode_sink(golden, len, &ks, &n);
  if (e) fprintf(stderr, "decode sink: %s\n", e->message);
  CHECK(!e && n == 4);
  out.len = 0;
  wc_encode_sink(ks, n, &out);
  same_bytes("sink round trip", golden, len, &out);
  CHECK(ks[2].timestamp_type == WC_LOG_APPEND_TIME && ks[1].key.type == WC_NULL);
  CHECK(ks[3].value.type == WC_STRING && strcmp(ks[3].value.as.str.ptr, "a line") == 0);
  for (size_t i = 0; i < n; i++) wc_sink_record_free(&ks[i]);
  free(ks);

  /* Rejections: a reader trusts nothing. */
  e = wc_decode_sink(golden, len - 1, &ks, &n);
  CHECK(e && strstr(e->message, "ends early"));
  wc_error_free(e);
  uint8_t *longer = malloc(len + 1);
  memcpy(longer, golden, len);
  longer[len] = 0;
  e = wc_decode_sink(longer, len + 1, &ks, &n);
  CHECK(e && strstr(e->message, "1 bytes left over"));
  wc_error_free(e);
  longer[0] = 'X';
  e = wc_decode_sink(longer, len, &ks, &n);
  CHECK(e && strstr(e->message, "WCB1"));
  wc_error_free(e);
  free(longer);
  free(golden);

  golden = read_file(dir, "empty-source.wcb1", &len);
  out.len = 0;
  wc_encode_source(NULL, 0, &out);
  same_bytes("empty batch", golden, len, &out);
  free(golden);
  free(out.ptr);
}

static char *positive(const char *v) { return atoi(v) > 0 ? NULL : wc_strdup("must be positive"); }

static void test_config(void) {
  wc_config_def d = {0};
  wc_define(&d, "file", WC_CONFIG_STRING, WC_REQUIRED, WC_HIGH, "f");
  wc_key_validator(wc_define(&d, "batch.size", WC_CONFIG_INT, "2000", WC_LOW, "b"), positive);
  wc_key_default_null(wc_define(&d, "opt", WC_CONFIG_STRING, WC_REQUIRED, WC_LOW, "o"));
  wc_config c = {0};
  wc_config_set(&c, "batch.size", "x");
  wc_config_value *vs;
  size_t n;
  wc_config_def_validate(&d, &c, &vs, &n);
  CHECK(n == 3 && vs[0].error_count == 1 &&
        strcmp(vs[0].errors[0], "Missing required configuration \"file\" which has no default value.") == 0);
  CHECK(vs[1].error_count == 1 &&
        strcmp(vs[1].errors[0], "Invalid value x for configuration batch.size: Not a number of type INT") == 0);
  CHECK(vs[2].error_count == 0);
  wc_config_values_free(vs, n);
  wc_config_set(&c, "batch.size", "0");
  wc_config_set(&c, "file", "/f");
  wc_config parsed;
  wc_error *e = wc_config_def_parse(&d, &c, &parsed);
  CHECK(e && strcmp(e->message, "Invalid value 0 for configuration batch.size: must be positive") == 0);
  wc_error_free(e);
  wc_config_free(&c);
  wc_config_set(&c, "file", "/f");
  e = wc_config_def_parse(&d, &c, &parsed);
  CHECK(!e);
  int32_t bs;
  CHECK(!wc_config_get_int(&parsed, "batch.size", 1, &bs) && bs == 2000);
  bool b;
  wc_config_set(&parsed, "flag", " TRUE ");
  CHECK(!wc_config_get_bool(&parsed, "flag", false, &b) && b);
  int64_t l;
  wc_config_set(&parsed, "long", "-9000000000");
  CHECK(!wc_config_get_long(&parsed, "long", 0, &l) && l == -9000000000LL);
  wc_config_set(&parsed, "long", "12x");
  e = wc_config_get_long(&parsed, "long", 0, &l);
  CHECK(e && e->kind == WC_FATAL);
  wc_error_free(e);
  const char *v;
  e = wc_config_require(&parsed, "nope", &v);
  CHECK(e && strstr(e->message, "\"nope\""));
  wc_error_free(e);
  wc_config_free(&parsed);
  wc_config_free(&c);
  wc_config_def_free(&d);
}

int main(int argc, char **argv) {
  test_golden(argc > 1 ? argv[1] : "tests/golden");
  test_config();
  if (failures) {
    fprintf(stderr, "%d checks failed\n", failures);
    return 1;
  }
  printf("codec and config tests passed\n");
  return 0;
}
