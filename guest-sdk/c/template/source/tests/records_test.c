/* Unit test of the record logic, run natively (`make test`). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "records.h"

int main(void) {
  wc_schema *s = tick_schema();
  wc_source_batch b = {0};
  add_tick(&b, "ticks", s, 41, 1700000000000);
  const wc_source_record *r = &b.records[0];
  int64_t seq = -1;
  int ok = b.len == 1 && strcmp(r->topic, "ticks") == 0 &&
           wc_offset_map_get_int64(&r->source_offset, "seq", &seq) && seq == 41 &&
           wc_struct_get(&r->value, s, "seq")->as.i64 == 41 &&
           strcmp(s->fields[1].schema->name, WC_TIMESTAMP_NAME) == 0;
  /* The batch encodes as the worker expects it (wit/RECORD-FORMAT.md). */
  wc_buf buf = {0};
  wc_encode_source(b.records, b.len, &buf);
  ok = ok && buf.len > 4 && memcmp(buf.ptr, "WCB1", 4) == 0;
  wc_source_batch_free(&b);
  free(buf.ptr);
  wc_schema_unref(s);
  printf("%s\n", ok ? "records test passed" : "records test FAILED");
  return ok ? 0 : 1;
}
