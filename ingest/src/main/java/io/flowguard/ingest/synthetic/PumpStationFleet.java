package io.flowguard.ingest.synthetic;

import io.flowguard.ingest.synthetic.PumpStationSimulator.Reading;
import io.flowguard.schemas.Event;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A fleet of pump stations as an event stream: station {@code i} is its own seeded {@link PumpStationSimulator},
 * readings go round-robin over the stations, each event is keyed by its station and carries its ground truth in
 * {@code context["injected"]} (NORMAL, SPIKE, BROKEN_CORRELATION or STUCK) so alerts can be scored against it.
 */
public final class PumpStationFleet {

    private final PumpStationSimulator[] stations;
    private final String prefix;
    private long next;

    public PumpStationFleet(int stations, long seed, double anomalyRate, String prefix) {
        this.stations = new PumpStationSimulator[stations];
        for (int i = 0; i < stations; i++) {
            this.stations[i] = new PumpStationSimulator(seed * 1_000_003L + i, anomalyRate);
        }
        this.prefix = prefix;
    }

    public Event next(Instant time) {
        int station = (int) (next % stations.length);
        Reading r = stations[station].next();
        List<String> names = PumpStationSimulator.SENSORS;
        Map<String, Double> features = new HashMap<>(names.size() * 2);
        for (int j = 0; j < names.size(); j++) {
            features.put(names.get(j), (double) r.values()[j]);
        }
        return Event.newBuilder().setEventId(prefix + (next++)).setKey("station-" + station)
                .setSource("pump-stations").setEventTime(time).setFeatures(features)
                .setContext(Map.of("injected", r.kind().name())).build();
    }
}
