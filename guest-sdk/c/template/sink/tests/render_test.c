/* Unit test of the line format, run natively (`make test`). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"

int main(void) {
  wc_schema *s = wc_schema_struct();
  wc_schema_field(s, "id", wc_schema_new(WC_INT64));
  wc_schema_field(s, "name", wc_schema_optional(wc_schema_new(WC_STRING)));
  wc_sink_record r = {.topic = "orders", .partition = 2, .offset = 7, .value_schema = s};
  r.value = wc_struct(s);
  wc_struct_put(&r.value, s, "id", wc_int64(42));
  wc_struct_put(&r.value, s, "name", wc_string("a \"quoted\" name"));
  wc_buf out = {0};
  render_record(&out, &r);
  const char *want =
      "{\"topic\":\"orders\",\"partition\":2,\"offset\":7,"
      "\"value\":{\"id\":42,\"name\":\"a \\\"quoted\\\" name\"}}\n";
  int ok = out.len == strlen(want) && memcmp(out.ptr, want, out.len) == 0;
  if (!ok) printf("got: %.*s", (int)out.len, (const char *)out.ptr);
  wc_value_free(&r.value);
  free(out.ptr);
  wc_schema_unref(s);
  printf("%s\n", ok ? "render test passed" : "render test FAILED");
  return ok ? 0 : 1;
}
