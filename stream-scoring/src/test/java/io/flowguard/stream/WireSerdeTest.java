package io.flowguard.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.flowguard.schemas.Event;
import io.flowguard.schemas.WireException;
import java.util.Random;
import org.junit.jupiter.api.Test;

class WireSerdeTest {

    @Test
    void roundTripsAndRejectsGarbage() {
        WireSerde<Event> serde = new WireSerde<>(Event.class);
        Event e = KafkaTestSupport.event("e1", "k", KafkaTestSupport.reading(new Random(1)));
        assertEquals(e, serde.deserializer().deserialize("events", serde.serializer().serialize("events", e)));
        assertNull(serde.deserializer().deserialize("events", null));
        assertEquals(WireException.Kind.MALFORMED, assertThrows(WireException.class,
                () -> serde.deserializer().deserialize("events", new byte[] {1})).kind());
    }
}
