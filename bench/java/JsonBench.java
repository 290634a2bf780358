// Kafka's JsonConverter (schemas.enable=true) on ~1 KB structs: records per CPU second of one
// thread, serialize (fromConnectData) and deserialize (toConnectData). The Rust twin is
// bench/src/bin/json_bench.rs; both build the same 64 records, print one JSON line with the
// same fields, and an FNV-1a 64 hash of the serialized bytes so the driver can check both
// converters wrote identical bytes.
//
//   java -Xms256M -Xmx2G -cp '.tools/kafka/lib/*' bench/java/JsonBench.java \
//       --records 200000 --reps 5 --warmup 200000
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;

public class JsonBench {
    static final int POOL = 64;
    static final String TOPIC = "bench";
    static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    static String text(String seed, int i, int len) {
        StringBuilder b = new StringBuilder(len);
        while (b.length() < len) b.append(seed).append(i).append('-');
        return b.substring(0, len);
    }

    static final Schema ADDRESS = SchemaBuilder.struct().name("bench.Address")
            .field("street", Schema.STRING_SCHEMA)
            .field("city", Schema.STRING_SCHEMA)
            .field("zip", Schema.INT32_SCHEMA)
            .build();
    static final Schema RECORD = SchemaBuilder.struct().name("bench.Record")
            .field("id", Schema.INT64_SCHEMA)
            .field("ts", Schema.INT64_SCHEMA)
            .field("active", Schema.BOOLEAN_SCHEMA)
            .field("ratio", Schema.FLOAT64_SCHEMA)
            .field("count", Schema.INT32_SCHEMA)
            .field("name", Schema.STRING_SCHEMA)
            .field("email", Schema.OPTIONAL_STRING_SCHEMA)
            .field("tags", SchemaBuilder.array(Schema.STRING_SCHEMA).build())
            .field("address", ADDRESS)
            .field("notes", Schema.STRING_SCHEMA)
            .build();

    static Struct record(int i) {
        List<String> tags = new ArrayList<>();
        for (int t = 0; t < 8; t++) tags.add(text("tag" + t + "x", i, 16));
        return new Struct(RECORD)
                .put("id", 1_000_000_000_000L + i)
                .put("ts", 1_700_000_000_000L + 1000L * i)
                .put("active", i % 2 == 0)
                .put("ratio", i + 0.25)
                .put("count", i * 7)
                .put("name", text("name", i, 32))
                .put("email", i % 4 == 3 ? null : text("user", i, 24) + "@example.com")
                .put("tags", tags)
                .put("address", new Struct(ADDRESS)
                        .put("street", text("street", i, 48))
                        .put("city", text("city", i, 24))
                        .put("zip", 10000 + i))
                .put("notes", text("lorem ipsum dolor sit amet ", i, 512));
    }

    static long fnv1a64(long h, byte[] bytes) {
        for (byte b : bytes) {
            h ^= (b & 0xff);
            h *= 0x100000001b3L;
        }
        return h;
    }

    static double cpuSeconds() {
        return THREADS.getCurrentThreadCpuTime() / 1e9;
    }

    static Map<String, Object> stats(double[] runs) {
        double[] s = runs.clone();
        Arrays.sort(s);
        double median = s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
        return Map.of("min", s[0], "median", median, "max", s[s.length - 1]);
    }

    @SuppressWarnings("unchecked")
    static String json(Map<String, Object> m) {
        StringBuilder b = new StringBuilder("{");
        for (Map.Entry<String, Object> e : m.entrySet()) {
            if (b.length() > 1) b.append(',');
            b.append('"').append(e.getKey()).append("\":");
            Object v = e.getValue();
            if (v instanceof Map) b.append(json((Map<String, Object>) v));
            else if (v instanceof String) b.append('"').append(v).append('"');
            else if (v instanceof double[]) b.append(Arrays.toString((double[]) v));
            else b.append(v);
        }
        return b.append('}').toString();
    }

    public static void main(String[] args) {
        int records = 200_000, reps = 5, warmup = 200_000;
        for (int i = 0; i + 1 < args.length; i += 2) {
            int v = Integer.parseInt(args[i + 1]);
            switch (args[i]) {
                case "--records" -> records = v;
                case "--reps" -> reps = v;
                case "--warmup" -> warmup = v;
                default -> throw new IllegalArgumentException("unknown flag " + args[i]);
            }
        }
        JsonConverter converter = new JsonConverter();
        converter.configure(Map.of("schemas.enable", "true"), false);
        Struct[] pool = new Struct[POOL];
        byte[][] bytes = new byte[POOL][];
        long hash = 0xcbf29ce484222325L;
        long payload = 0;
        for (int i = 0; i < POOL; i++) {
            pool[i] = record(i);
            bytes[i] = converter.fromConnectData(TOPIC, RECORD, pool[i]);
            hash = fnv1a64(hash, bytes[i]);
            payload += bytes[i].length;
        }
        long sink = 0;
        // Warm-up, discarded: lets the JIT compile both paths.
        for (int i = 0; i < warmup; i++) {
            sink += converter.fromConnectData(TOPIC, RECORD, pool[i % POOL]).length;
            sink += converter.toConnectData(TOPIC, bytes[i % POOL]).value().hashCode() & 1;
        }
        double[] ser = new double[reps], de = new double[reps];
        for (int r = 0; r < reps; r++) {
            double t0 = cpuSeconds();
            for (int i = 0; i < records; i++) {
                sink += converter.fromConnectData(TOPIC, RECORD, pool[i % POOL]).length;
            }
            double t1 = cpuSeconds();
            for (int i = 0; i < records; i++) {
                SchemaAndValue v = converter.toConnectData(TOPIC, bytes[i % POOL]);
                sink += ((Struct) v.value()).getInt32("count");
            }
            double t2 = cpuSeconds();
            ser[r] = records / (t1 - t0);
            de[r] = records / (t2 - t1);
        }
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        out.put("impl", "kafka");
        out.put("converter", "org.apache.kafka.connect.json.JsonConverter schemas.enable=true");
        out.put("java", System.getProperty("java.version"));
        out.put("records", records);
        out.put("reps", reps);
        out.put("warmup", warmup);
        out.put("serialized_bytes_avg", payload / POOL);
        out.put("serialized_fnv1a64", String.format("%016x", hash));
        Map<String, Object> s = new java.util.LinkedHashMap<>(stats(ser));
        s.put("runs", ser);
        Map<String, Object> d = new java.util.LinkedHashMap<>(stats(de));
        d.put("runs", de);
        out.put("serialize", s);
        out.put("deserialize", d);
        out.put("unit", "records per CPU second of one thread");
        out.put("sink", sink);
        System.out.println(json(out));
    }
}
