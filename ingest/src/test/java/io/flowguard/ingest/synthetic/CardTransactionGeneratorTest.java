package io.flowguard.ingest.synthetic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowguard.schemas.Event;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CardTransactionGeneratorTest {

    @Test
    void isSeededAndLabelsEveryInjectedKind() {
        CardTransactionGenerator a = new CardTransactionGenerator(200, 9, 0.02, "t");
        CardTransactionGenerator b = new CardTransactionGenerator(200, 9, 0.02, "t");
        Map<CardTransactionGenerator.Kind, Integer> kinds = new EnumMap<>(CardTransactionGenerator.Kind.class);
        long last = 0;
        for (int i = 0; i < 20000; i++) {
            Event e = a.next();
            assertEquals(e, b.next());
            assertEquals(6, e.getFeatures().size());
            assertTrue(e.getEventTime().toEpochMilli() > last, "events are in time order");
            last = e.getEventTime().toEpochMilli();
            kinds.merge(CardTransactionGenerator.Kind.valueOf(e.getContext().get("injected")), 1, Integer::sum);
        }
        assertEquals(CardTransactionGenerator.Kind.values().length, kinds.size(), kinds.toString());
        int injected = 20000 - kinds.get(CardTransactionGenerator.Kind.NORMAL);
        assertTrue(injected > 300 && injected < 2000, kinds.toString());
    }

    @Test
    void aBotPaysTheCardsMedianAtItsUsualPlace() {
        CardTransactionGenerator g = new CardTransactionGenerator(5, 1, 1.0, "t");
        for (int i = 0; i < 200; i++) {
            Event e = g.next();
            if (e.getContext().get("injected").equals("TOO_REGULAR")) {
                assertEquals(0.0, e.getFeatures().get("amount_vs_card_median"), 1e-12);
                assertEquals(Math.log(6 * 3600), e.getFeatures().get("log_seconds_since_last"), 1e-9);
            }
        }
    }
}
