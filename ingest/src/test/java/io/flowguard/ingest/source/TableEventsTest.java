package io.flowguard.ingest.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.flowguard.ingest.IngestException;
import io.flowguard.schemas.Event;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TableEventsTest {

    @TempDir
    Path dir;

    private List<Event> read(TableEvents table, Path file, boolean json) {
        List<Event> out = new ArrayList<>();
        table.read(file.toString(), "src", json, out::add);
        return out;
    }

    @Test
    void csvColumnsBecomeNamedFeaturesAndTheRestContext() throws IOException {
        Path csv = Files.writeString(dir.resolve("cards.csv"),
                "id,card,time,amount,hour,label\ntx1,c9,1700000000000,12.5,13,0\ntx2,c9,2023-11-14 22:13:20,99,2,1\n");
        List<Event> events = read(new TableEvents("id", "card", "time", Set.of("label")), csv, false);
        assertEquals(2, events.size());
        Event first = events.get(0);
        assertEquals("tx1", first.getEventId());
        assertEquals("c9", first.getKey());
        assertEquals(Instant.ofEpochMilli(1_700_000_000_000L), first.getEventTime());
        assertEquals(Map.of("amount", 12.5, "hour", 13.0), first.getFeatures());
        assertEquals(Map.of("label", "0"), first.getContext());
        assertEquals(Instant.parse("2023-11-14T22:13:20Z"), events.get(1).getEventTime());
    }

    @Test
    void jsonLinesFlattenANestedFeaturesObject() throws IOException {
        Path jsonl = Files.writeString(dir.resolve("m.jsonl"),
                "{\"id\":\"a\",\"key\":\"s1\",\"features\":{\"x\":1.5,\"y\":-2}}\n\n{\"id\":\"b\",\"key\":\"s2\",\"x\":3,\"y\":4}\n");
        List<Event> events = read(new TableEvents("id", "key", null, Set.of()), jsonl, true);
        assertEquals(Map.of("x", 1.5, "y", -2.0), events.get(0).getFeatures());
        assertEquals("s2", events.get(1).getKey());
        assertEquals(Map.of("x", 3.0, "y", 4.0), events.get(1).getFeatures());
    }

    @Test
    void nabSeriesReadInTimeOrderWithTheSourceAsKey() throws IOException {
        Path nab = Files.writeString(dir.resolve("machine_temp.csv"),
                "timestamp,value\n2014-04-01 00:00:00,20.0\n2014-04-01 00:05:00,21.5\n");
        List<Event> events = read(new TableEvents(null, null, "timestamp", Set.of()), nab, false);
        assertEquals(List.of("src-1", "src-2"), events.stream().map(Event::getEventId).toList());
        assertEquals("src", events.get(0).getKey());
        assertEquals(Instant.parse("2014-04-01T00:05:00Z"), events.get(1).getEventTime());
        assertEquals(Map.of("value", 21.5), events.get(1).getFeatures());
    }

    @Test
    void badInputNamesFileRowAndColumn() throws IOException {
        TableEvents table = new TableEvents(null, null, null, Set.of());
        Path nan = Files.writeString(dir.resolve("nan.csv"), "a,b\n1,2\n3,NaN\n");
        assertEquals(nan + ": row 2, column 'b': expected a finite number, got NaN",
                assertThrows(IngestException.class, () -> read(table, nan, false)).getMessage());
        Path ragged = Files.writeString(dir.resolve("ragged.csv"), "a,b\n1\n");
        assertEquals(ragged + ": row 1: expected 2 columns, got 1",
                assertThrows(IngestException.class, () -> read(table, ragged, false)).getMessage());
        Path json = Files.writeString(dir.resolve("bad.jsonl"), "[1,2]\n");
        assertEquals(json + ": line 1: expected a JSON object, got '[1,2]'",
                assertThrows(IngestException.class, () -> read(table, json, true)).getMessage());
    }

    @Test
    void csvReadsLikeTheCliTables() throws IOException {
        Path quoted = Files.write(dir.resolve("quoted.csv"), ("\uFEFFid,\"card\",amount\r\n"
                + "tx1,\"Smith, J.\",\"12.5\"\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        List<Event> events = read(new TableEvents("id", "card", null, Set.of()), quoted, false);
        assertEquals("Smith, J.", events.get(0).getKey(), "quoted comma, byte-order mark dropped from 'id'");
        assertEquals("tx1", events.get(0).getEventId());
        assertEquals(Map.of("amount", 12.5), events.get(0).getFeatures());

        TableEvents table = new TableEvents(null, null, null, Set.of());
        for (String cell : new String[] {"0x1p3", "8d", "1.5f"}) {
            Path file = Files.writeString(dir.resolve("hex.csv"), "a,b\n1," + cell + "\n");
            assertEquals(file + ": row 1, column 'b': expected a number, got '" + cell + "'",
                    assertThrows(IngestException.class, () -> read(table, file, false)).getMessage());
        }
        Path inf = Files.writeString(dir.resolve("inf.csv"), "a,b\n1,-inf\n");
        assertEquals(inf + ": row 1, column 'b': expected a finite number, got -inf",
                assertThrows(IngestException.class, () -> read(table, inf, false)).getMessage());
        Path dup = Files.writeString(dir.resolve("dup.csv"), "a,b,a\n1,2,3\n");
        assertEquals(dup + ": header, column 3 'a': expected unique column names, got the name of column 1 again",
                assertThrows(IngestException.class, () -> read(table, dup, false)).getMessage());

        java.io.ByteArrayOutputStream zipped = new java.io.ByteArrayOutputStream();
        try (var gz = new java.util.zip.GZIPOutputStream(zipped)) {
            gz.write("a\n1\n2\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        Path gzip = Files.write(dir.resolve("no-suffix.csv"), zipped.toByteArray());
        assertEquals(2, read(table, gzip, false).size());
    }
}
