#include "records.h"

wc_schema *tick_schema(void) {
  wc_schema *s = wc_schema_name(wc_schema_struct(), "{{name_snake}}.Tick");
  wc_schema_field(s, "seq", wc_schema_new(WC_INT64));
  wc_schema_field(s, "at", wc_schema_timestamp());
  return s;
}

void add_tick(wc_source_batch *out, const char *topic, const wc_schema *schema, int64_t seq,
              int64_t now_ms) {
  wc_source_record *r = wc_source_batch_add(out, topic);
  wc_offset_map_put_string(&r->source_partition, "source", "{{name}}");
  wc_offset_map_put_int64(&r->source_offset, "seq", seq);
  r->value_schema = wc_schema_ref((wc_schema *)schema);
  r->value = wc_struct(schema);
  wc_struct_put(&r->value, schema, "seq", wc_int64(seq));
  wc_struct_put(&r->value, schema, "at", wc_int64(now_ms));
  r->has_timestamp = true;
  r->timestamp = now_ms;
}
