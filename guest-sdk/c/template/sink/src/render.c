#include "render.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static void put(wc_buf *b, const char *s, size_t n) {
  if (b->len + n > b->cap) {
    b->cap = (b->len + n) * 2;
    b->ptr = wc_realloc(b->ptr, b->cap);
  }
  memcpy(b->ptr + b->len, s, n);
  b->len += n;
}

static void puts_(wc_buf *b, const char *s) { put(b, s, strlen(s)); }

static void put_string(wc_buf *b, const char *s, size_t n) {
  put(b, "\"", 1);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    char esc[8];
    if (c == '"' || c == '\\') {
      esc[0] = '\\';
      esc[1] = (char)c;
      put(b, esc, 2);
    } else if (c < 0x20) {
      snprintf(esc, sizeof esc, "\\u%04x", c);
      put(b, esc, 6);
    } else {
      put(b, (const char *)&s[i], 1);
    }
  }
  put(b, "\"", 1);
}

void render_value(wc_buf *out, const wc_value *v, const wc_schema *schema) {
  char num[64];
  switch (v->type) {
  case WC_NULL: puts_(out, "null"); return;
  case WC_INT8: snprintf(num, sizeof num, "%d", v->as.i8); break;
  case WC_INT16: snprintf(num, sizeof num, "%d", v->as.i16); break;
  case WC_INT32: snprintf(num, sizeof num, "%" PRId32, v->as.i32); break;
  case WC_INT64: snprintf(num, sizeof num, "%" PRId64, v->as.i64); break;
  case WC_FLOAT32: snprintf(num, sizeof num, "%.9g", (double)v->as.f32); break;
  case WC_FLOAT64: snprintf(num, sizeof num, "%.17g", v->as.f64); break;
  case WC_BOOLEAN: puts_(out, v->as.boolean ? "true" : "false"); return;
  case WC_STRING: put_string(out, v->as.str.ptr, v->as.str.len); return;
  case WC_BYTES:
    put(out, "[", 1);
    for (size_t i = 0; i < v->as.bytes.len; i++) {
      snprintf(num, sizeof num, i ? ",%u" : "%u", v->as.bytes.ptr[i]);
      puts_(out, num);
    }
    put(out, "]", 1);
    return;
  case WC_ARRAY:
    put(out, "[", 1);
    for (size_t i = 0; i < v->as.array.len; i++) {
      if (i) put(out, ",", 1);
      render_value(out, &v->as.array.items[i], schema ? schema->value_schema : NULL);
    }
    put(out, "]", 1);
    return;
  case WC_MAP:
    put(out, "[", 1); /* keys need not be strings: a list of [key, value] pairs */
    for (size_t i = 0; i < v->as.map.len; i++) {
      put(out, i ? ",[" : "[", i ? 2 : 1);
      render_value(out, &v->as.map.keys[i], schema ? schema->key_schema : NULL);
      put(out, ",", 1);
      render_value(out, &v->as.map.values[i], schema ? schema->value_schema : NULL);
      put(out, "]", 1);
    }
    put(out, "]", 1);
    return;
  case WC_STRUCT:
    put(out, "{", 1);
    for (size_t i = 0; i < v->as.fields.len; i++) {
      if (i) put(out, ",", 1);
      const char *name = schema && i < schema->field_count ? schema->fields[i].name : "?";
      put_string(out, name, strlen(name));
      put(out, ":", 1);
      render_value(out, &v->as.fields.values[i],
                   schema && i < schema->field_count ? schema->fields[i].schema : NULL);
    }
    put(out, "}", 1);
    return;
  }
  puts_(out, num);
}

void render_record(wc_buf *out, const wc_sink_record *r) {
  char head[64];
  puts_(out, "{\"topic\":");
  put_string(out, r->topic, strlen(r->topic));
  snprintf(head, sizeof head, ",\"partition\":%" PRId32 ",\"offset\":%" PRId64 ",\"value\":",
           r->partition, r->offset);
  puts_(out, head);
  render_value(out, &r->value, r->value_schema);
  puts_(out, "}\n");
}
