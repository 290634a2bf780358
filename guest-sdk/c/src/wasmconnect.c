/* The language-level half of the C SDK: errors, schemas, values, offsets, records, configs and
 * the WCB1 codec (wit/RECORD-FORMAT.md). It does not depend on the generated bindings, so it
 * also builds natively for unit tests. */
#include "wasmconnect.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- memory --------------------------------------------------------------------------------- */

void *wc_malloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) abort();
  return p;
}

void *wc_calloc(size_t n, size_t size) {
  void *p = calloc(n ? n : 1, size ? size : 1);
  if (!p) abort();
  return p;
}

void *wc_realloc(void *p, size_t n) {
  p = realloc(p, n ? n : 1);
  if (!p) abort();
  return p;
}

char *wc_strndup(const char *s, size_t n) {
  char *d = wc_malloc(n + 1);
  memcpy(d, s, n);
  d[n] = 0;
  return d;
}

char *wc_strdup(const char *s) { return s ? wc_strndup(s, strlen(s)) : NULL; }

static char *vformat(const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0) return wc_strdup(fmt);
  char *s = wc_malloc((size_t)n + 1);
  vsnprintf(s, (size_t)n + 1, fmt, ap);
  return s;
}

char *wc_format(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *s = vformat(fmt, ap);
  va_end(ap);
  return s;
}

/* Grows a (ptr, len, cap) vector of `size`-byte items to hold one more. */
static void *grow(void *ptr, size_t len, size_t *cap, size_t size) {
  if (len < *cap) return ptr;
  *cap = *cap ? *cap * 2 : 4;
  return wc_realloc(ptr, *cap * size);
}

/* ---- errors ---------------------------------------------------------------------------------- */

static wc_error *make_error(wc_error_kind kind, char *message) {
  wc_error *e = wc_malloc(sizeof *e);
  e->kind = kind;
  e->message = message;
  return e;
}

wc_error *wc_fatal(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *m = vformat(fmt, ap);
  va_end(ap);
  return make_error(WC_FATAL, m);
}

wc_error *wc_retriable(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *m = vformat(fmt, ap);
  va_end(ap);
  return make_error(WC_RETRIABLE, m);
}

void wc_error_free(wc_error *e) {
  if (!e) return;
  free(e->message);
  free(e);
}

/* ---- schemas --------------------------------------------------------------------------------- */

wc_schema *wc_schema_new(wc_type type) {
  wc_schema *s = wc_calloc(1, sizeof *s);
  s->type = type;
  s->refcount = 1;
  return s;
}

wc_schema *wc_schema_array(wc_schema *element) {
  wc_schema *s = wc_schema_new(WC_ARRAY);
  s->value_schema = element;
  return s;
}

wc_schema *wc_schema_map(wc_schema *key, wc_schema *value) {
  wc_schema *s = wc_schema_new(WC_MAP);
  s->key_schema = key;
  s->value_schema = value;
  return s;
}

wc_schema *wc_schema_struct(void) { return wc_schema_new(WC_STRUCT); }

wc_schema *wc_schema_field(wc_schema *s, const char *name, wc_schema *schema) {
  s->fields = wc_realloc(s->fields, (s->field_count + 1) * sizeof *s->fields);
  s->fields[s->field_count].name = wc_strdup(name);
  s->fields[s->field_count].schema = schema;
  s->field_count++;
  return s;
}

wc_schema *wc_schema_optional(wc_schema *s) {
  s->optional = true;
  return s;
}

wc_schema *wc_schema_name(wc_schema *s, const char *name) {
  free(s->name);
  s->name = wc_strdup(name);
  return s;
}

wc_schema *wc_schema_version(wc_schema *s, int32_t version) {
  s->has_version = true;
  s->version = version;
  return s;
}

wc_schema *wc_schema_doc(wc_schema *s, const char *doc) {
  free(s->doc);
  s->doc = wc_strdup(doc);
  return s;
}

wc_schema *wc_schema_param(wc_schema *s, const char *key, const char *value) {
  size_t i = 0;
  while (i < s->param_count && strcmp(s->params[i].key, key) < 0) i++;
  if (i < s->param_count && strcmp(s->params[i].key, key) == 0) {
    free(s->params[i].value);
    s->params[i].value = wc_strdup(value);
    return s;
  }
  s->params = wc_realloc(s->params, (s->param_count + 1) * sizeof *s->params);
  memmove(&s->params[i + 1], &s->params[i], (s->param_count - i) * sizeof *s->params);
  s->params[i].key = wc_strdup(key);
  s->params[i].value = wc_strdup(value);
  s->param_count++;
  return s;
}

wc_schema *wc_schema_default(wc_schema *s, wc_value value) {
  if (s->default_value) {
    wc_value_free(s->default_value);
    free(s->default_value);
  }
  s->default_value = wc_malloc(sizeof *s->default_value);
  *s->default_value = value;
  return s;
}

wc_schema *wc_schema_decimal(int32_t scale) {
  char buf[16];
  snprintf(buf, sizeof buf, "%d", (int)scale);
  wc_schema *s = wc_schema_name(wc_schema_new(WC_BYTES), WC_DECIMAL_NAME);
  wc_schema_version(s, 1);
  return wc_schema_param(s, "scale", buf);
}

wc_schema *wc_schema_date(void) {
  return wc_schema_version(wc_schema_name(wc_schema_new(WC_INT32), WC_DATE_NAME), 1);
}

wc_schema *wc_schema_time(void) {
  return wc_schema_version(wc_schema_name(wc_schema_new(WC_INT32), WC_TIME_NAME), 1);
}

wc_schema *wc_schema_timestamp(void) {
  return wc_schema_version(wc_schema_name(wc_schema_new(WC_INT64), WC_TIMESTAMP_NAME), 1);
}

wc_schema *wc_schema_ref(wc_schema *s) {
  if (s) s->refcount++;
  return s;
}

void wc_schema_unref(wc_schema *s) {
  if (!s || --s->refcount > 0) return;
  free(s->name);
  free(s->doc);
  for (size_t i = 0; i < s->param_count; i++) {
    free(s->params[i].key);
    free(s->params[i].value);
  }
  free(s->params);
  if (s->default_value) {
    wc_value_free(s->default_value);
    free(s->default_value);
  }
  wc_schema_unref(s->key_schema);
  wc_schema_unref(s->value_schema);
  for (size_t i = 0; i < s->field_count; i++) {
    free(s->fields[i].name);
    wc_schema_unref(s->fields[i].schema);
  }
  free(s->fields);
  free(s);
}

int wc_schema_field_index(const wc_schema *s, const char *name) {
  for (size_t i = 0; s && i < s->field_count; i++)
    if (strcmp(s->fields[i].name, name) == 0) return (int)i;
  return -1;
}

const char *wc_schema_get_param(const wc_schema *s, const char *key) {
  for (size_t i = 0; i < s->param_count; i++)
    if (strcmp(s->params[i].key, key) == 0) return s->params[i].value;
  return NULL;
}

static bool str_eq(const char *a, const char *b) {
  return a == b || (a && b && strcmp(a, b) == 0);
}

bool wc_schema_equal(const wc_schema *a, const wc_schema *b) {
  if (a == b) return true;
  if (!a || !b) return false;
  if (a->type != b->type || a->optional != b->optional || a->has_version != b->has_version ||
      (a->has_version && a->version != b->version) || !str_eq(a->name, b->name) ||
      !str_eq(a->doc, b->doc) || a->param_count != b->param_count ||
      a->field_count != b->field_count || !!a->default_value != !!b->default_value)
    return false;
  for (size_t i = 0; i < a->param_count; i++)
    if (!str_eq(a->params[i].key, b->params[i].key) ||
        !str_eq(a->params[i].value, b->params[i].value))
      return false;
  if (a->default_value && !wc_value_equal(a->default_value, b->default_value)) return false;
  if (!wc_schema_equal(a->key_schema, b->key_schema) ||
      !wc_schema_equal(a->value_schema, b->value_schema))
    return false;
  for (size_t i = 0; i < a->field_count; i++)
    if (!str_eq(a->fields[i].name, b->fields[i].name) ||
        !wc_schema_equal(a->fields[i].schema, b->fields[i].schema))
      return false;
  return true;
}

/* ---- values ---------------------------------------------------------------------------------- */

wc_value wc_null(void) { return (wc_value){.type = WC_NULL}; }
wc_value wc_int8(int8_t v) { return (wc_value){.type = WC_INT8, .as.i8 = v}; }
wc_value wc_int16(int16_t v) { return (wc_value){.type = WC_INT16, .as.i16 = v}; }
wc_value wc_int32(int32_t v) { return (wc_value){.type = WC_INT32, .as.i32 = v}; }
wc_value wc_int64(int64_t v) { return (wc_value){.type = WC_INT64, .as.i64 = v}; }
wc_value wc_float32(float v) { return (wc_value){.type = WC_FLOAT32, .as.f32 = v}; }
wc_value wc_float64(double v) { return (wc_value){.type = WC_FLOAT64, .as.f64 = v}; }
wc_value wc_boolean(bool v) { return (wc_value){.type = WC_BOOLEAN, .as.boolean = v}; }

wc_value wc_string_n(const char *s, size_t len) {
  wc_value v = {.type = WC_STRING};
  v.as.str.ptr = wc_strndup(s, len);
  v.as.str.len = len;
  return v;
}

wc_value wc_string(const char *s) { return wc_string_n(s, strlen(s)); }

wc_value wc_bytes(const void *p, size_t len) {
  wc_value v = {.type = WC_BYTES};
  v.as.bytes.ptr = wc_malloc(len);
  if (len) memcpy(v.as.bytes.ptr, p, len);
  v.as.bytes.len = len;
  return v;
}

wc_value wc_array(size_t len) {
  wc_value v = {.type = WC_ARRAY};
  v.as.array.items = wc_calloc(len, sizeof(wc_value));
  v.as.array.len = len;
  return v;
}

wc_value wc_map(size_t len) {
  wc_value v = {.type = WC_MAP};
  v.as.map.keys = wc_calloc(len, sizeof(wc_value));
  v.as.map.values = wc_calloc(len, sizeof(wc_value));
  v.as.map.len = len;
  return v;
}

wc_value wc_struct(const wc_schema *schema) {
  wc_value v = {.type = WC_STRUCT};
  v.as.fields.values = wc_calloc(schema->field_count, sizeof(wc_value));
  v.as.fields.len = schema->field_count;
  return v;
}

bool wc_struct_put(wc_value *v, const wc_schema *schema, const char *name, wc_value field) {
  int i = wc_schema_field_index(schema, name);
  if (i < 0 || v->type != WC_STRUCT || (size_t)i >= v->as.fields.len) {
    wc_value_free(&field);
    return false;
  }
  wc_value_free(&v->as.fields.values[i]);
  v->as.fields.values[i] = field;
  return true;
}

const wc_value *wc_struct_get(const wc_value *v, const wc_schema *schema, const char *name) {
  int i = wc_schema_field_index(schema, name);
  if (i < 0 || v->type != WC_STRUCT || (size_t)i >= v->as.fields.len) return NULL;
  return &v->as.fields.values[i];
}

void wc_value_free(wc_value *v) {
  switch (v->type) {
  case WC_STRING: free(v->as.str.ptr); break;
  case WC_BYTES: free(v->as.bytes.ptr); break;
  case WC_ARRAY:
    for (size_t i = 0; i < v->as.array.len; i++) wc_value_free(&v->as.array.items[i]);
    free(v->as.array.items);
    break;
  case WC_MAP:
    for (size_t i = 0; i < v->as.map.len; i++) {
      wc_value_free(&v->as.map.keys[i]);
      wc_value_free(&v->as.map.values[i]);
    }
    free(v->as.map.keys);
    free(v->as.map.values);
    break;
  case WC_STRUCT:
    for (size_t i = 0; i < v->as.fields.len; i++) wc_value_free(&v->as.fields.values[i]);
    free(v->as.fields.values);
    break;
  default: break;
  }
  v->type = WC_NULL;
}

wc_value wc_value_clone(const wc_value *v) {
  wc_value c = *v;
  switch (v->type) {
  case WC_STRING: return wc_string_n(v->as.str.ptr, v->as.str.len);
  case WC_BYTES: return wc_bytes(v->as.bytes.ptr, v->as.bytes.len);
  case WC_ARRAY:
    c = wc_array(v->as.array.len);
    for (size_t i = 0; i < v->as.array.len; i++)
      c.as.array.items[i] = wc_value_clone(&v->as.array.items[i]);
    return c;
  case WC_MAP:
    c = wc_map(v->as.map.len);
    for (size_t i = 0; i < v->as.map.len; i++) {
      c.as.map.keys[i] = wc_value_clone(&v->as.map.keys[i]);
      c.as.map.values[i] = wc_value_clone(&v->as.map.values[i]);
    }
    return c;
  case WC_STRUCT:
    c.as.fields.values = wc_calloc(v->as.fields.len, sizeof(wc_value));
    for (size_t i = 0; i < v->as.fields.len; i++)
      c.as.fields.values[i] = wc_value_clone(&v->as.fields.values[i]);
    return c;
  default: return c;
  }
}

bool wc_value_equal(const wc_value *a, const wc_value *b) {
  if (a->type != b->type) return false;
  switch (a->type) {
  case WC_NULL: return true;
  case WC_INT8: return a->as.i8 == b->as.i8;
  case WC_INT16: return a->as.i16 == b->as.i16;
  case WC_INT32: return a->as.i32 == b->as.i32;
  case WC_INT64: return a->as.i64 == b->as.i64;
  case WC_FLOAT32: return memcmp(&a->as.f32, &b->as.f32, sizeof(float)) == 0;
  case WC_FLOAT64: return memcmp(&a->as.f64, &b->as.f64, sizeof(double)) == 0;
  case WC_BOOLEAN: return a->as.boolean == b->as.boolean;
  case WC_STRING:
    return a->as.str.len == b->as.str.len && !memcmp(a->as.str.ptr, b->as.str.ptr, a->as.str.len);
  case WC_BYTES:
    return a->as.bytes.len == b->as.bytes.len &&
           (!a->as.bytes.len || !memcmp(a->as.bytes.ptr, b->as.bytes.ptr, a->as.bytes.len));
  case WC_ARRAY:
    if (a->as.array.len != b->as.array.len) return false;
    for (size_t i = 0; i < a->as.array.len; i++)
      if (!wc_value_equal(&a->as.array.items[i], &b->as.array.items[i])) return false;
    return true;
  case WC_MAP:
    if (a->as.map.len != b->as.map.len) return false;
    for (size_t i = 0; i < a->as.map.len; i++)
      if (!wc_value_equal(&a->as.map.keys[i], &b->as.map.keys[i]) ||
          !wc_value_equal(&a->as.map.values[i], &b->as.map.values[i]))
        return false;
    return true;
  case WC_STRUCT:
    if (a->as.fields.len != b->as.fields.len) return false;
    for (size_t i = 0; i < a->as.fields.len; i++)
      if (!wc_value_equal(&a->as.fields.values[i], &b->as.fields.values[i])) return false;
    return true;
  }
  return false;
}

/* ---- offset maps ----------------------------------------------------------------------------- */

void wc_offset_map_put(wc_offset_map *m, const char *key, wc_value value) {
  size_t i = 0;
  while (i < m->len && strcmp(m->entries[i].key, key) < 0) i++;
  if (i < m->len && strcmp(m->entries[i].key, key) == 0) {
    wc_value_free(&m->entries[i].value);
    m->entries[i].value = value;
    return;
  }
  m->entries = grow(m->entries, m->len, &m->cap, sizeof *m->entries);
  memmove(&m->entries[i + 1], &m->entries[i], (m->len - i) * sizeof *m->entries);
  m->entries[i].key = wc_strdup(key);
  m->entries[i].value = value;
  m->len++;
}

void wc_offset_map_put_int64(wc_offset_map *m, const char *key, int64_t v) {
  wc_offset_map_put(m, key, wc_int64(v));
}

void wc_offset_map_put_string(wc_offset_map *m, const char *key, const char *v) {
  wc_offset_map_put(m, key, wc_string(v));
}

const wc_value *wc_offset_map_get(const wc_offset_map *m, const char *key) {
  for (size_t i = 0; i < m->len; i++)
    if (strcmp(m->entries[i].key, key) == 0) return &m->entries[i].value;
  return NULL;
}

bool wc_offset_map_get_int64(const wc_offset_map *m, const char *key, int64_t *out) {
  const wc_value *v = wc_offset_map_get(m, key);
  if (!v || v->type != WC_INT64) return false;
  *out = v->as.i64;
  return true;
}

void wc_offset_map_free(wc_offset_map *m) {
  for (size_t i = 0; i < m->len; i++) {
    free(m->entries[i].key);
    wc_value_free(&m->entries[i].value);
  }
  free(m->entries);
  *m = (wc_offset_map){0};
}

wc_offset_map wc_offset_map_clone(const wc_offset_map *m) {
  wc_offset_map c = {0};
  for (size_t i = 0; i < m->len; i++)
    wc_offset_map_put(&c, m->entries[i].key, wc_value_clone(&m->entries[i].value));
  return c;
}

/* ---- records --------------------------------------------------------------------------------- */

void wc_headers_add(wc_headers *h, const char *key, wc_schema *schema, wc_value value) {
  h->items = grow(h->items, h->len, &h->cap, sizeof *h->items);
  h->items[h->len++] = (wc_header){.key = wc_strdup(key), .schema = schema, .value = value};
}

static void headers_free(wc_headers *h) {
  for (size_t i = 0; i < h->len; i++) {
    free(h->items[i].key);
    wc_schema_unref(h->items[i].schema);
    wc_value_free(&h->items[i].value);
  }
  free(h->items);
  *h = (wc_headers){0};
}

wc_source_record *wc_source_batch_add(wc_source_batch *b, const char *topic) {
  b->records = grow(b->records, b->len, &b->cap, sizeof *b->records);
  wc_source_record *r = &b->records[b->len++];
  memset(r, 0, sizeof *r);
  r->topic = wc_strdup(topic);
  return r;
}

void wc_source_record_free(wc_source_record *r) {
  wc_offset_map_free(&r->source_partition);
  wc_offset_map_free(&r->source_offset);
  free(r->topic);
  wc_schema_unref(r->key_schema);
  wc_value_free(&r->key);
  wc_schema_unref(r->value_schema);
  wc_value_free(&r->value);
  headers_free(&r->headers);
  memset(r, 0, sizeof *r);
}

void wc_sink_record_free(wc_sink_record *r) {
  free(r->topic);
  wc_schema_unref(r->key_schema);
  wc_value_free(&r->key);
  wc_schema_unref(r->value_schema);
  wc_value_free(&r->value);
  headers_free(&r->headers);
  memset(r, 0, sizeof *r);
}

void wc_source_batch_clear(wc_source_batch *b) {
  for (size_t i = 0; i < b->len; i++) wc_source_record_free(&b->records[i]);
  b->len = 0; /* keeps the allocation for the next poll */
}

void wc_source_batch_free(wc_source_batch *b) {
  wc_source_batch_clear(b);
  free(b->records);
  *b = (wc_source_batch){0};
}

/* ---- encoding -------------------------------------------------------------------------------- */

static void buf_reserve(wc_buf *b, size_t n) {
  if (b->len + n <= b->cap) return;
  size_t cap = b->cap ? b->cap * 2 : 256;
  while (cap < b->len + n) cap *= 2;
  b->ptr = wc_realloc(b->ptr, cap);
  b->cap = cap;
}

static void put_raw(wc_buf *b, const void *p, size_t n) {
  buf_reserve(b, n);
  if (n) memcpy(b->ptr + b->len, p, n);
  b->len += n;
}

static void put_u8(wc_buf *b, uint8_t v) { put_raw(b, &v, 1); }

/* wasm32 and every host we test on are little-endian, as the format is. */
static void put_u32(wc_buf *b, uint32_t v) { put_raw(b, &v, 4); }
static void put_i32(wc_buf *b, int32_t v) { put_raw(b, &v, 4); }
static void put_i64(wc_buf *b, int64_t v) { put_raw(b, &v, 8); }

static void put_bytes(wc_buf *b, const void *p, size_t n) {
  put_u32(b, (uint32_t)n);
  put_raw(b, p, n);
}

static void put_str(wc_buf *b, const char *s) { put_bytes(b, s, s ? strlen(s) : 0); }

static void put_value(wc_buf *b, const wc_value *v) {
  put_u8(b, (uint8_t)v->type);
  switch (v->type) {
  case WC_NULL: break;
  case WC_INT8: put_raw(b, &v->as.i8, 1); break;
  case WC_INT16: put_raw(b, &v->as.i16, 2); break;
  case WC_INT32: put_raw(b, &v->as.i32, 4); break;
  case WC_INT64: put_raw(b, &v->as.i64, 8); break;
  case WC_FLOAT32: put_raw(b, &v->as.f32, 4); break;
  case WC_FLOAT64: put_raw(b, &v->as.f64, 8); break;
  case WC_BOOLEAN: put_u8(b, v->as.boolean ? 1 : 0); break;
  case WC_STRING: put_bytes(b, v->as.str.ptr, v->as.str.len); break;
  case WC_BYTES: put_bytes(b, v->as.bytes.ptr, v->as.bytes.len); break;
  case WC_ARRAY:
    put_u32(b, (uint32_t)v->as.array.len);
    for (size_t i = 0; i < v->as.array.len; i++) put_value(b, &v->as.array.items[i]);
    break;
  case WC_MAP:
    put_u32(b, (uint32_t)v->as.map.len);
    for (size_t i = 0; i < v->as.map.len; i++) {
      put_value(b, &v->as.map.keys[i]);
      put_value(b, &v->as.map.values[i]);
    }
    break;
  case WC_STRUCT:
    put_u32(b, (uint32_t)v->as.fields.len);
    for (size_t i = 0; i < v->as.fields.len; i++) put_value(b, &v->as.fields.values[i]);
    break;
  }
}

static void put_schema(wc_buf *b, const wc_schema *s) {
  if ((s->type == WC_ARRAY && !s->value_schema) ||
      (s->type == WC_MAP && (!s->key_schema || !s->value_schema))) {
    put_u8(b, 0); /* malformed: the reader rejects it as an unknown type */
    put_u8(b, 0);
    return;
  }
  uint8_t flags = (s->optional ? 1 : 0) | (s->name ? 2 : 0) | (s->has_version ? 4 : 0) |
                  (s->doc ? 8 : 0) | (s->param_count ? 16 : 0) | (s->default_value ? 32 : 0);
  put_u8(b, (uint8_t)s->type);
  put_u8(b, flags);
  if (s->name) put_str(b, s->name);
  if (s->has_version) put_i32(b, s->version);
  if (s->doc) put_str(b, s->doc);
  if (s->param_count) {
    put_u32(b, (uint32_t)s->param_count);
    for (size_t i = 0; i < s->param_count; i++) {
      put_str(b, s->params[i].key);
      put_str(b, s->params[i].value);
    }
  }
  if (s->type == WC_ARRAY) put_schema(b, s->value_schema);
  if (s->type == WC_MAP) {
    put_schema(b, s->key_schema);
    put_schema(b, s->value_schema);
  }
  if (s->type == WC_STRUCT) {
    put_u32(b, (uint32_t)s->field_count);
    for (size_t i = 0; i < s->field_count; i++) {
      put_str(b, s->fields[i].name);
      put_schema(b, s->fields[i].schema);
    }
  }
  if (s->default_value) put_value(b, s->default_value);
}

static void put_offset_map(wc_buf *b, const wc_offset_map *m) {
  put_u32(b, (uint32_t)m->len);
  for (size_t i = 0; i < m->len; i++) {
    put_str(b, m->entries[i].key);
    put_value(b, &m->entries[i].value);
  }
}

static void put_opt_i64(wc_buf *b, bool has, int64_t v) {
  put_u8(b, has ? 1 : 0);
  if (has) put_i64(b, v);
}

/* The schema table of a batch: distinct schemas (by pointer, then by value) and, per schema
 * slot in write order, its schema-ref. */
typedef struct table {
  const wc_schema **entries;
  size_t len, cap;
  uint32_t *refs;
  size_t nrefs, refcap, next;
} table;

static void table_add(table *t, const wc_schema *s) {
  uint32_t r = 0;
  if (s) {
    size_t i;
    for (i = 0; i < t->len && t->entries[i] != s; i++) {}
    if (i == t->len)
      for (i = 0; i < t->len && !wc_schema_equal(t->entries[i], s); i++) {}
    if (i == t->len) {
      t->entries = grow(t->entries, t->len, &t->cap, sizeof *t->entries);
      t->entries[t->len++] = s;
    }
    r = (uint32_t)i + 1;
  }
  t->refs = grow(t->refs, t->nrefs, &t->refcap, sizeof *t->refs);
  t->refs[t->nrefs++] = r;
}

static void table_begin(table *t, wc_buf *b, size_t count) {
  put_raw(b, "WCB1", 4);
  put_u32(b, (uint32_t)t->len);
  for (size_t i = 0; i < t->len; i++) put_schema(b, t->entries[i]);
  put_u32(b, (uint32_t)count);
}

static uint32_t table_next(table *t) { return t->next < t->nrefs ? t->refs[t->next++] : 0; }

static void table_free(table *t) {
  free(t->entries);
  free(t->refs);
}

static void put_headers(wc_buf *b, const wc_headers *h, table *t) {
  put_u32(b, (uint32_t)h->len);
  for (size_t i = 0; i < h->len; i++) {
    put_str(b, h->items[i].key);
    put_u32(b, table_next(t));
    put_value(b, &h->items[i].value);
  }
}

void wc_encode_source(const wc_source_record *rs, size_t n, wc_buf *out) {
  table t = {0};
  for (size_t i = 0; i < n; i++) {
    table_add(&t, rs[i].key_schema);
    table_add(&t, rs[i].value_schema);
    for (size_t j = 0; j < rs[i].headers.len; j++) table_add(&t, rs[i].headers.items[j].schema);
  }
  buf_reserve(out, n * 64 + 12);
  table_begin(&t, out, n);
  for (size_t i = 0; i < n; i++) {
    const wc_source_record *r = &rs[i];
    put_str(out, r->topic);
    put_u8(out, r->has_partition ? 1 : 0);
    if (r->has_partition) put_i32(out, r->partition);
    put_offset_map(out, &r->source_partition);
    put_offset_map(out, &r->source_offset);
    put_u32(out, table_next(&t));
    put_value(out, &r->key);
    put_u32(out, table_next(&t));
    put_value(out, &r->value);
    put_opt_i64(out, r->has_timestamp, r->timestamp);
    put_headers(out, &r->headers, &t);
  }
  table_free(&t);
}

void wc_encode_sink(const wc_sink_record *rs, size_t n, wc_buf *out) {
  table t = {0};
  for (size_t i = 0; i < n; i++) {
    table_add(&t, rs[i].key_schema);
    table_add(&t, rs[i].value_schema);
    for (size_t j = 0; j < rs[i].headers.len; j++) table_add(&t, rs[i].headers.items[j].schema);
  }
  buf_reserve(out, n * 48 + 12);
  table_begin(&t, out, n);
  for (size_t i = 0; i < n; i++) {
    const wc_sink_record *r = &rs[i];
    put_str(out, r->topic);
    put_i32(out, r->partition);
    put_i64(out, r->offset);
    put_u32(out, table_next(&t));
    put_value(out, &r->key);
    put_u32(out, table_next(&t));
    put_value(out, &r->value);
    put_opt_i64(out, r->has_timestamp, r->timestamp);
    put_u8(out, (uint8_t)r->timestamp_type);
    put_headers(out, &r->headers, &t);
  }
  table_free(&t);
}

/* ---- decoding -------------------------------------------------------------------------------- */

#define MAX_DEPTH 64

typedef struct reader {
  const uint8_t *p;
  size_t len, pos;
  char *err; /* first error, malloc'd */
  wc_schema **table;
  uint32_t table_len;
} reader;

static bool fail(reader *r, size_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool fail(reader *r, size_t at, const char *fmt, ...) {
  if (r->err) return false;
  va_list ap;
  va_start(ap, fmt);
  char *why = vformat(fmt, ap);
  va_end(ap);
  r->err = wc_format("invalid record batch at byte %zu: %s", at, why);
  free(why);
  return false;
}

static bool take(reader *r, void *dst, size_t n) {
  if (r->len - r->pos < n)
    return fail(r, r->pos, "ends early: %zu more bytes needed", n - (r->len - r->pos));
  memcpy(dst, r->p + r->pos, n);
  r->pos += n;
  return true;
}

static bool get_u8(reader *r, uint8_t *v) { return take(r, v, 1); }
static bool get_u32(reader *r, uint32_t *v) { return take(r, v, 4); }
static bool get_i32(reader *r, int32_t *v) { return take(r, v, 4); }
static bool get_i64(reader *r, int64_t *v) { return take(r, v, 8); }

static bool get_flag(reader *r, bool *v) {
  size_t at = r->pos;
  uint8_t b;
  if (!get_u8(r, &b)) return false;
  if (b > 1) return fail(r, at, "expected 0 or 1, found %u", b);
  *v = b;
  return true;
}

static bool utf8_valid(const uint8_t *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint8_t c = s[i];
    size_t k;
    uint32_t cp;
    if (c < 0x80) { i++; continue; }
    else if ((c & 0xE0) == 0xC0) { k = 1; cp = c & 0x1F; }
    else if ((c & 0xF0) == 0xE0) { k = 2; cp = c & 0x0F; }
    else if ((c & 0xF8) == 0xF0) { k = 3; cp = c & 0x07; }
    else return false;
    if (i + k >= n) return false;
    for (size_t j = 1; j <= k; j++) {
      if (i + j >= n || (s[i + j] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (s[i + j] & 0x3F);
    }
    if ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += k + 1;
  }
  return true;
}

/* A length-prefixed byte string, returned as a fresh NUL-terminated copy. */
static bool get_blob(reader *r, char **out, size_t *len, bool utf8) {
  uint32_t n;
  if (!get_u32(r, &n)) return false;
  if (r->len - r->pos < n)
    return fail(r, r->pos, "ends early: %zu more bytes needed", (size_t)n - (r->len - r->pos));
  if (utf8 && !utf8_valid(r->p + r->pos, n)) return fail(r, r->pos, "string is not valid UTF-8");
  *out = wc_strndup((const char *)r->p + r->pos, n);
  if (len) *len = n;
  r->pos += n;
  return true;
}

static const char *type_name(uint8_t t) {
  static const char *names[] = {"NULL", "INT8", "INT16", "INT32", "INT64", "FLOAT32",
                                "FLOAT64", "BOOLEAN", "STRING", "BYTES", "ARRAY", "MAP",
                                "STRUCT"};
  return t <= 12 ? names[t] : "?";
}

static bool get_value(reader *r, const wc_schema *s, int depth, wc_value *out);

static bool get_schema(reader *r, int depth, wc_schema **out) {
  size_t at = r->pos;
  uint8_t type, flags;
  if (depth >= MAX_DEPTH) return fail(r, at, "nested deeper than %d levels", MAX_DEPTH);
  if (!get_u8(r, &type) || !get_u8(r, &flags)) return false;
  if (type < 1 || type > 12) return fail(r, at, "unknown schema type %u", type);
  if (flags & ~0x3F) return fail(r, at + 1, "unknown schema flags %#x", flags);
  wc_schema *s = wc_schema_new((wc_type)type);
  *out = s;
  s->optional = flags & 1;
  if ((flags & 2) && !get_blob(r, &s->name, NULL, true)) return false;
  if (flags & 4) {
    s->has_version = true;
    if (!get_i32(r, &s->version)) return false;
  }
  if ((flags & 8) && !get_blob(r, &s->doc, NULL, true)) return false;
  if (flags & 16) {
    uint32_t n;
    if (!get_u32(r, &n)) return false;
    for (uint32_t i = 0; i < n; i++) {
      char *k = NULL, *v = NULL;
      bool ok = get_blob(r, &k, NULL, true) && get_blob(r, &v, NULL, true);
      if (ok) wc_schema_param(s, k, v);
      free(k);
      free(v);
      if (!ok) return false;
    }
  }
  if (type == WC_ARRAY && !get_schema(r, depth + 1, &s->value_schema)) return false;
  if (type == WC_MAP && (!get_schema(r, depth + 1, &s->key_schema) ||
                         !get_schema(r, depth + 1, &s->value_schema)))
    return false;
  if (type == WC_STRUCT) {
    uint32_t n;
    if (!get_u32(r, &n)) return false;
    for (uint32_t i = 0; i < n; i++) {
      char *name = NULL;
      wc_schema *fs = NULL;
      if (!get_blob(r, &name, NULL, true)) return false;
      bool ok = get_schema(r, depth + 1, &fs);
      wc_schema_field(s, name, fs);
      free(name);
      if (!ok) return false;
    }
  }
  if (flags & 32) {
    wc_value d = {0};
    bool ok = get_value(r, s, depth, &d);
    wc_schema_default(s, d);
    if (!ok) return false;
  }
  return true;
}

static bool get_value(reader *r, const wc_schema *s, int depth, wc_value *out) {
  size_t at = r->pos;
  uint8_t tag;
  *out = wc_null();
  if (!get_u8(r, &tag)) return false;
  if (tag == 0) {
    if (s && !s->optional && !s->default_value)
      return fail(r, at, "null value under a non-optional %s schema without a default",
                  type_name(s->type));
    return true;
  }
  if (tag > 12) return fail(r, at, "unknown value tag %u", tag);
  if (s && s->type != tag)
    return fail(r, at, "%s value under a %s schema", type_name(tag), type_name(s->type));
  if (tag >= WC_ARRAY && depth >= MAX_DEPTH)
    return fail(r, at, "nested deeper than %d levels", MAX_DEPTH);
  out->type = (wc_type)tag;
  switch (tag) {
  case WC_INT8: return take(r, &out->as.i8, 1);
  case WC_INT16: return take(r, &out->as.i16, 2);
  case WC_INT32: return take(r, &out->as.i32, 4);
  case WC_INT64: return take(r, &out->as.i64, 8);
  case WC_FLOAT32: return take(r, &out->as.f32, 4);
  case WC_FLOAT64: return take(r, &out->as.f64, 8);
  case WC_BOOLEAN: return get_flag(r, &out->as.boolean);
  case WC_STRING:
    out->type = WC_NULL;
    if (!get_blob(r, &out->as.str.ptr, &out->as.str.len, true)) return false;
    out->type = WC_STRING;
    return true;
  case WC_BYTES:
    out->type = WC_NULL;
    if (!get_blob(r, (char **)&out->as.bytes.ptr, &out->as.bytes.len, false)) return false;
    out->type = WC_BYTES;
    return true;
  case WC_ARRAY: {
    uint32_t n;
    out->type = WC_NULL;
    if (!get_u32(r, &n)) return false;
    if (n > r->len - r->pos) return fail(r, at, "ends early: %u items announced", n);
    *out = wc_array(n);
    for (uint32_t i = 0; i < n; i++)
      if (!get_value(r, s ? s->value_schema : NULL, depth + 1, &out->as.array.items[i]))
        return false;
    return true;
  }
  case WC_MAP: {
    uint32_t n;
    out->type = WC_NULL;
    if (!get_u32(r, &n)) return false;
    if (n > (r->len - r->pos) / 2) return fail(r, at, "ends early: %u entries announced", n);
    *out = wc_map(n);
    for (uint32_t i = 0; i < n; i++)
      if (!get_value(r, s ? s->key_schema : NULL, depth + 1, &out->as.map.keys[i]) ||
          !get_value(r, s ? s->value_schema : NULL, depth + 1, &out->as.map.values[i]))
        return false;
    return true;
  }
  case WC_STRUCT: {
    uint32_t n;
    out->type = WC_NULL;
    if (!s) return fail(r, at, "struct value without a schema");
    if (!get_u32(r, &n)) return false;
    if (n != s->field_count)
      return fail(r, at, "struct value has %u fields, its schema has %zu", n, s->field_count);
    *out = wc_struct(s);
    for (uint32_t i = 0; i < n; i++)
      if (!get_value(r, s->fields[i].schema, depth + 1, &out->as.fields.values[i])) return false;
    return true;
  }
  }
  return false;
}

static bool get_schema_ref(reader *r, wc_schema **out) {
  size_t at = r->pos;
  uint32_t ref;
  *out = NULL;
  if (!get_u32(r, &ref)) return false;
  if (ref > r->table_len)
    return fail(r, at, "schema-ref %u past the schema table of %u entries", ref, r->table_len);
  if (ref) *out = wc_schema_ref(r->table[ref - 1]);
  return true;
}

static bool get_offset_map(reader *r, wc_offset_map *m) {
  uint32_t n;
  if (!get_u32(r, &n)) return false;
  for (uint32_t i = 0; i < n; i++) {
    char *key = NULL;
    if (!get_blob(r, &key, NULL, true)) return false;
    size_t at = r->pos;
    wc_value v;
    bool ok = get_value(r, NULL, 0, &v);
    if (ok && v.type != WC_NULL && v.type != WC_BOOLEAN && v.type != WC_INT64 &&
        v.type != WC_FLOAT64 && v.type != WC_STRING && v.type != WC_BYTES) {
      ok = fail(r, at,
                "value tag %u not allowed in a source partition or offset (null, boolean, "
                "int64, float64, string or bytes)",
                v.type);
    }
    if (ok) wc_offset_map_put(m, key, v);
    else wc_value_free(&v);
    free(key);
    if (!ok) return false;
  }
  return true;
}

static bool get_headers(reader *r, wc_headers *h) {
  uint32_t n;
  if (!get_u32(r, &n)) return false;
  for (uint32_t i = 0; i < n; i++) {
    char *key = NULL;
    wc_schema *s = NULL;
    wc_value v = {0};
    if (!get_blob(r, &key, NULL, true)) return false;
    bool ok = get_schema_ref(r, &s) && get_value(r, s, 0, &v);
    wc_headers_add(h, key, s, v);
    free(key);
    if (!ok) return false;
  }
  return true;
}

static bool begin(reader *r, uint32_t *count) {
  char magic[4];
  if (r->len < 4 || memcmp(r->p, "WCB1", 4) != 0) return fail(r, 0, "does not start with \"WCB1\"");
  take(r, magic, 4);
  uint32_t n;
  if (!get_u32(r, &n)) return false;
  if (n > r->len - r->pos) return fail(r, r->pos, "ends early: %u schemas announced", n);
  r->table = wc_calloc(n, sizeof *r->table);
  for (uint32_t i = 0; i < n; i++) {
    if (!get_schema(r, 0, &r->table[i])) {
      r->table_len = i + 1;
      return false;
    }
    r->table_len = i + 1;
  }
  return get_u32(r, count);
}

static wc_error *finish(reader *r) {
  if (!r->err && r->pos != r->len)
    fail(r, r->pos, "%zu bytes left over after the last record", r->len - r->pos);
  for (uint32_t i = 0; i < r->table_len; i++) wc_schema_unref(r->table[i]);
  free(r->table);
  if (!r->err) return WC_OK;
  return make_error(WC_FATAL, r->err);
}

wc_error *wc_decode_sink(const uint8_t *p, size_t len, wc_sink_record **records, size_t *n) {
  reader r = {.p = p, .len = len};
  uint32_t count = 0;
  wc_sink_record *rs = NULL;
  size_t done = 0;
  if (begin(&r, &count)) {
    rs = wc_calloc(count < len ? count : len, sizeof *rs);
    for (; done < count; done++) {
      wc_sink_record *x = &rs[done];
      bool ts;
      uint8_t tt;
      size_t at;
      if (done >= len) { fail(&r, r.pos, "ends early"); break; }
      if (!get_blob(&r, &x->topic, NULL, true) || !get_i32(&r, &x->partition) ||
          !get_i64(&r, &x->offset) || !get_schema_ref(&r, &x->key_schema) ||
          !get_value(&r, x->key_schema, 0, &x->key) || !get_schema_ref(&r, &x->value_schema) ||
          !get_value(&r, x->value_schema, 0, &x->value) || !get_flag(&r, &ts) ||
          (ts && !get_i64(&r, &x->timestamp)))
        { done++; break; }
      x->has_timestamp = ts;
      at = r.pos;
      if (!get_u8(&r, &tt)) { done++; break; }
      if (tt > 2) { fail(&r, at, "unknown timestamp type %u", tt); done++; break; }
      x->timestamp_type = (wc_timestamp_type)tt;
      if (!get_headers(&r, &x->headers)) { done++; break; }
    }
  }
  wc_error *e = finish(&r);
  if (e) {
    for (size_t i = 0; i < done; i++) wc_sink_record_free(&rs[i]);
    free(rs);
    return e;
  }
  *records = rs;
  *n = count;
  return WC_OK;
}

wc_error *wc_decode_source(const uint8_t *p, size_t len, wc_source_record **records, size_t *n) {
  reader r = {.p = p, .len = len};
  uint32_t count = 0;
  wc_source_record *rs = NULL;
  size_t done = 0;
  if (begin(&r, &count)) {
    rs = wc_calloc(count < len ? count : len, sizeof *rs);
    for (; done < count; done++) {
      wc_source_record *x = &rs[done];
      bool has, ts;
      if (done >= len) { fail(&r, r.pos, "ends early"); break; }
      if (!get_blob(&r, &x->topic, NULL, true) || !get_flag(&r, &has) ||
          (has && !get_i32(&r, &x->partition)) || !get_offset_map(&r, &x->source_partition) ||
          !get_offset_map(&r, &x->source_offset) || !get_schema_ref(&r, &x->key_schema) ||
          !get_value(&r, x->key_schema, 0, &x->key) || !get_schema_ref(&r, &x->value_schema) ||
          !get_value(&r, x->value_schema, 0, &x->value) || !get_flag(&r, &ts) ||
          (ts && !get_i64(&r, &x->timestamp)) || !get_headers(&r, &x->headers))
        { done++; break; }
      x->has_partition = has;
      x->has_timestamp = ts;
    }
  }
  wc_error *e = finish(&r);
  if (e) {
    for (size_t i = 0; i < done; i++) wc_source_record_free(&rs[i]);
    free(rs);
    return e;
  }
  *records = rs;
  *n = count;
  return WC_OK;
}

/* ---- configs --------------------------------------------------------------------------------- */

const char *wc_config_get(const wc_config *c, const char *key) {
  for (size_t i = 0; i < c->len; i++)
    if (strcmp(c->entries[i].key, key) == 0) return c->entries[i].value;
  return NULL;
}

const char *wc_config_get_or(const wc_config *c, const char *key, const char *def) {
  const char *v = wc_config_get(c, key);
  return v ? v : def;
}

void wc_config_set(wc_config *c, const char *key, const char *value) {
  size_t i = 0;
  while (i < c->len && strcmp(c->entries[i].key, key) < 0) i++;
  if (i < c->len && strcmp(c->entries[i].key, key) == 0) {
    free(c->entries[i].value);
    c->entries[i].value = wc_strdup(value);
    return;
  }
  c->entries = grow(c->entries, c->len, &c->cap, sizeof *c->entries);
  memmove(&c->entries[i + 1], &c->entries[i], (c->len - i) * sizeof *c->entries);
  c->entries[i].key = wc_strdup(key);
  c->entries[i].value = wc_strdup(value);
  c->len++;
}

static char *missing_required(const char *key) {
  return wc_format("Missing required configuration \"%s\" which has no default value.", key);
}

wc_error *wc_config_require(const wc_config *c, const char *key, const char **out) {
  *out = wc_config_get(c, key);
  return *out ? WC_OK : make_error(WC_FATAL, missing_required(key));
}

static const char *config_type_name(wc_config_type t) {
  static const char *names[] = {"BOOLEAN", "STRING", "INT", "SHORT", "LONG",
                                "DOUBLE", "LIST", "CLASS", "PASSWORD"};
  return names[t];
}

static char *invalid(const char *key, const char *value, wc_config_type t) {
  if (t == WC_CONFIG_BOOLEAN)
    return wc_format("Invalid value %s for configuration %s: Expected value to be either true or "
                     "false", value, key);
  return wc_format("Invalid value %s for configuration %s: Not a number of type %s", value, key,
                   config_type_name(t));
}

/* Trims ASCII whitespace into buf (truncating very long values, which no number has). */
static const char *trimmed(const char *v, char *buf, size_t cap) {
  while (*v == ' ' || *v == '\t' || *v == '\n' || *v == '\r') v++;
  size_t n = strlen(v);
  while (n && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\n' || v[n - 1] == '\r')) n--;
  if (n >= cap) n = cap - 1;
  memcpy(buf, v, n);
  buf[n] = 0;
  return buf;
}

static bool parse_i64(const char *v, int64_t min, int64_t max, int64_t *out) {
  char buf[64];
  const char *s = trimmed(v, buf, sizeof buf);
  if (!*s) return false;
  const char *d = s + (*s == '-' || *s == '+');
  if (!*d) return false;
  for (const char *q = d; *q; q++)
    if (*q < '0' || *q > '9') return false;
  errno = 0;
  char *end;
  long long x = strtoll(s, &end, 10);
  if (errno || *end || x < min || x > max) return false;
  *out = x;
  return true;
}

static bool parse_double(const char *v, double *out) {
  char buf[64];
  const char *s = trimmed(v, buf, sizeof buf);
  if (!*s) return false;
  char *end;
  double d = strtod(s, &end);
  if (*end) return false;
  *out = d;
  return true;
}

static bool parse_bool(const char *v, bool *out) {
  char buf[16];
  const char *s = trimmed(v, buf, sizeof buf);
  if (strcasecmp(s, "true") == 0) { *out = true; return true; }
  if (strcasecmp(s, "false") == 0) { *out = false; return true; }
  return false;
}

wc_error *wc_config_get_int(const wc_config *c, const char *key, int32_t def, int32_t *out) {
  const char *v = wc_config_get(c, key);
  int64_t x;
  *out = def;
  if (!v) return WC_OK;
  if (!parse_i64(v, INT32_MIN, INT32_MAX, &x)) return make_error(WC_FATAL, invalid(key, v, WC_CONFIG_INT));
  *out = (int32_t)x;
  return WC_OK;
}

wc_error *wc_config_get_long(const wc_config *c, const char *key, int64_t def, int64_t *out) {
  const char *v = wc_config_get(c, key);
  *out = def;
  if (!v) return WC_OK;
  if (!parse_i64(v, INT64_MIN, INT64_MAX, out)) {
    *out = def;
    return make_error(WC_FATAL, invalid(key, v, WC_CONFIG_LONG));
  }
  return WC_OK;
}

wc_error *wc_config_get_double(const wc_config *c, const char *key, double def, double *out) {
  const char *v = wc_config_get(c, key);
  *out = def;
  if (!v) return WC_OK;
  if (!parse_double(v, out)) {
    *out = def;
    return make_error(WC_FATAL, invalid(key, v, WC_CONFIG_DOUBLE));
  }
  return WC_OK;
}

wc_error *wc_config_get_bool(const wc_config *c, const char *key, bool def, bool *out) {
  const char *v = wc_config_get(c, key);
  *out = def;
  if (!v) return WC_OK;
  if (!parse_bool(v, out)) {
    *out = def;
    return make_error(WC_FATAL, invalid(key, v, WC_CONFIG_BOOLEAN));
  }
  return WC_OK;
}

wc_config wc_config_clone(const wc_config *c) {
  wc_config d = {0};
  for (size_t i = 0; i < c->len; i++) wc_config_set(&d, c->entries[i].key, c->entries[i].value);
  return d;
}

void wc_config_free(wc_config *c) {
  for (size_t i = 0; i < c->len; i++) {
    free(c->entries[i].key);
    free(c->entries[i].value);
  }
  free(c->entries);
  *c = (wc_config){0};
}

static char *type_check(const char *key, const char *v, wc_config_type t) {
  int64_t x;
  double d;
  bool b;
  bool ok = true;
  switch (t) {
  case WC_CONFIG_BOOLEAN: ok = parse_bool(v, &b); break;
  case WC_CONFIG_INT: ok = parse_i64(v, INT32_MIN, INT32_MAX, &x); break;
  case WC_CONFIG_SHORT: ok = parse_i64(v, INT16_MIN, INT16_MAX, &x); break;
  case WC_CONFIG_LONG: ok = parse_i64(v, INT64_MIN, INT64_MAX, &x); break;
  case WC_CONFIG_DOUBLE: ok = parse_double(v, &d); break;
  default: break;
  }
  return ok ? NULL : invalid(key, v, t);
}

wc_config_key *wc_define(wc_config_def *d, const char *name, wc_config_type type,
                         const char *default_value, wc_importance importance, const char *doc) {
  wc_config_key *k = NULL;
  for (size_t i = 0; i < d->len; i++)
    if (strcmp(d->keys[i].name, name) == 0) k = &d->keys[i];
  if (k) {
    free(k->name); free(k->default_value); free(k->documentation); free(k->group);
    free(k->display_name);
    for (size_t i = 0; i < k->dependent_count; i++) free(k->dependents[i]);
    free(k->dependents);
  } else {
    d->keys = grow(d->keys, d->len, &d->cap, sizeof *d->keys);
    k = &d->keys[d->len++];
  }
  *k = (wc_config_key){
      .name = wc_strdup(name),
      .type = type,
      .default_kind = default_value ? 2 : 0,
      .default_value = wc_strdup(default_value),
      .importance = importance,
      .documentation = wc_strdup(doc ? doc : ""),
      .order_in_group = -1,
      .display_name = wc_strdup(name),
  };
  return k;
}

wc_config_key *wc_key_default_null(wc_config_key *k) {
  free(k->default_value);
  k->default_value = NULL;
  k->default_kind = 1;
  return k;
}

wc_config_key *wc_key_validator(wc_config_key *k, wc_validator v) {
  k->validator = v;
  return k;
}

wc_config_key *wc_key_group(wc_config_key *k, const char *group, int32_t order) {
  free(k->group);
  k->group = wc_strdup(group);
  k->order_in_group = order;
  return k;
}

wc_config_key *wc_key_display_name(wc_config_key *k, const char *name) {
  free(k->display_name);
  k->display_name = wc_strdup(name);
  return k;
}

wc_config_key *wc_key_width(wc_config_key *k, wc_width w) {
  k->width = w;
  return k;
}

wc_config_key *wc_key_dependent(wc_config_key *k, const char *dependent) {
  k->dependents = wc_realloc(k->dependents, (k->dependent_count + 1) * sizeof(char *));
  k->dependents[k->dependent_count++] = wc_strdup(dependent);
  return k;
}

static void add_error(wc_config_value *v, char *msg) {
  v->errors = wc_realloc(v->errors, (v->error_count + 1) * sizeof(char *));
  v->errors[v->error_count++] = msg;
}

void wc_config_value_add_error(wc_config_value *v, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  add_error(v, vformat(fmt, ap));
  va_end(ap);
}

void wc_config_def_validate(const wc_config_def *d, const wc_config *c, wc_config_value **out,
                            size_t *n) {
  wc_config_value *vs = wc_calloc(d->len, sizeof *vs);
  for (size_t i = 0; i < d->len; i++) {
    const wc_config_key *k = &d->keys[i];
    const char *value = wc_config_get(c, k->name);
    const char *effective = value;
    vs[i].name = wc_strdup(k->name);
    vs[i].value = wc_strdup(value);
    if (!value && k->default_kind == 2) effective = k->default_value;
    if (!value && k->default_kind == 0) add_error(&vs[i], missing_required(k->name));
    if (effective) {
      char *e = type_check(k->name, effective, k->type);
      if (e) {
        add_error(&vs[i], e);
      } else if (k->validator) {
        char *why = k->validator(effective);
        if (why) {
          add_error(&vs[i], wc_format("Invalid value %s for configuration %s: %s", effective,
                                      k->name, why));
          free(why);
        }
      }
    }
  }
  *out = vs;
  *n = d->len;
}

void wc_config_values_free(wc_config_value *v, size_t n) {
  for (size_t i = 0; i < n; i++) {
    free(v[i].name);
    free(v[i].value);
    for (size_t j = 0; j < v[i].error_count; j++) free(v[i].errors[j]);
    free(v[i].errors);
  }
  free(v);
}

wc_error *wc_config_def_parse(const wc_config_def *d, const wc_config *c, wc_config *out) {
  wc_config_value *vs;
  size_t n;
  wc_config_def_validate(d, c, &vs, &n);
  wc_buf msg = {0};
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < vs[i].error_count; j++) {
      if (msg.len) put_u8(&msg, ' ');
      put_raw(&msg, vs[i].errors[j], strlen(vs[i].errors[j]));
    }
  wc_config_values_free(vs, n);
  if (msg.len) {
    put_u8(&msg, 0);
    return make_error(WC_FATAL, (char *)msg.ptr);
  }
  *out = wc_config_clone(c);
  for (size_t i = 0; i < d->len; i++)
    if (d->keys[i].default_kind == 2 && !wc_config_get(out, d->keys[i].name))
      wc_config_set(out, d->keys[i].name, d->keys[i].default_value);
  return WC_OK;
}

void wc_config_def_free(wc_config_def *d) {
  for (size_t i = 0; i < d->len; i++) {
    wc_config_key *k = &d->keys[i];
    free(k->name); free(k->default_value); free(k->documentation); free(k->group);
    free(k->display_name);
    for (size_t j = 0; j < k->dependent_count; j++) free(k->dependents[j]);
    free(k->dependents);
  }
  free(d->keys);
  *d = (wc_config_def){0};
}

void wc_task_configs_add(wc_task_configs *t, const wc_config *c) {
  t->items = grow(t->items, t->len, &t->cap, sizeof *t->items);
  t->items[t->len++] = wc_config_clone(c);
}
