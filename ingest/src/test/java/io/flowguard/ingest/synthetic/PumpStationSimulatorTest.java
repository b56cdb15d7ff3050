package io.flowguard.ingest.synthetic;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowguard.ingest.synthetic.PumpStationSimulator.Kind;
import io.flowguard.ingest.synthetic.PumpStationSimulator.Reading;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PumpStationSimulatorTest {

    @Test
    void theSameSeedGivesTheSameReadings() {
        Reading[] a = new PumpStationSimulator(7, 0.05).take(500);
        Reading[] b = new PumpStationSimulator(7, 0.05).take(500);
        for (int i = 0; i < a.length; i++) {
            assertArrayEquals(a[i].values(), b[i].values());
            assertEquals(a[i].kind(), b[i].kind());
        }
    }

    @Test
    void anomaliesAppearAtTheRequestedRateAndCleanRunsHaveNone() {
        Map<Kind, Integer> counts = new EnumMap<>(Kind.class);
        for (Reading r : new PumpStationSimulator(3, 0.1).take(20_000)) {
            counts.merge(r.kind(), 1, Integer::sum);
        }
        int anomalies = 20_000 - counts.get(Kind.NORMAL);
        assertTrue(anomalies > 1800 && anomalies < 2200, "anomalies " + anomalies);
        for (Kind k : Kind.values()) {
            assertTrue(counts.getOrDefault(k, 0) > 0, "no " + k);
        }
        for (Reading r : new PumpStationSimulator(3, 0).take(5_000)) {
            assertEquals(Kind.NORMAL, r.kind());
        }
    }

    @Test
    void sensorsAreCorrelatedThroughTheLoad() {
        Reading[] rs = new PumpStationSimulator(11, 0).take(10_000);
        double[] flow = new double[rs.length];
        double[] current = new double[rs.length];
        for (int i = 0; i < rs.length; i++) {
            flow[i] = rs[i].values()[0];
            current[i] = rs[i].values()[2];
        }
        assertTrue(correlation(flow, current) > 0.9, "flow/current correlation " + correlation(flow, current));
    }

    @Test
    void aStuckReadingSitsAtTheSetPoint() {
        PumpStationSimulator s = new PumpStationSimulator(5, 1.0);
        Reading stuck = null;
        while (stuck == null) {
            Reading r = s.next();
            stuck = r.kind() == Kind.STUCK ? r : null;
        }
        assertArrayEquals(PumpStationSimulator.setPoint(), stuck.values());
        assertEquals(55, stuck.values()[0], 1e-4, "flow at average load");
    }

    private static double correlation(double[] a, double[] b) {
        double ma = 0;
        double mb = 0;
        for (int i = 0; i < a.length; i++) {
            ma += a[i] / a.length;
            mb += b[i] / b.length;
        }
        double sab = 0;
        double saa = 0;
        double sbb = 0;
        for (int i = 0; i < a.length; i++) {
            sab += (a[i] - ma) * (b[i] - mb);
            saa += (a[i] - ma) * (a[i] - ma);
            sbb += (b[i] - mb) * (b[i] - mb);
        }
        return sab / Math.sqrt(saa * sbb);
    }
}
