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
 * {@code context["injected"]} so alerts can be scored against it: the simulator's NORMAL, SPIKE and
 * BROKEN_CORRELATION, plus three fleet-level kinds that last: STUCK (a station freezes at its nominal set-point,
 * the noise-free reading at average load and temperature, near the mean of everything, for
 * {@value #STUCK_READINGS} readings: the high-density case), OUT_OF_RANGE (a physically impossible negative
 * pressure, a quarter of the anomaly rate) and DRIFT (from a random point on, a station's flow and power creep up
 * by 0.2 % per reading for 500 readings, all labelled DRIFT). Stuck and drift episodes start at rates that make
 * each about half the anomaly rate, respectively the whole of it, of the readings.
 */
public final class PumpStationFleet {

    /** A drift episode lasts this many readings of its station (reaching +100 % flow and power). */
    static final int DRIFT_READINGS = 500;
    /** A stuck episode lasts this many readings of its station. */
    static final int STUCK_READINGS = 100;

    private final PumpStationSimulator[] stations;
    private final int[] drift;
    private final int[] stuck;
    private final java.util.SplittableRandom random;
    private final double anomalyRate;
    private final String prefix;
    private long next;

    public PumpStationFleet(int stations, long seed, double anomalyRate, String prefix) {
        this.stations = new PumpStationSimulator[stations];
        for (int i = 0; i < stations; i++) {
            this.stations[i] = new PumpStationSimulator(seed * 1_000_003L + i, anomalyRate,
                    PumpStationSimulator.Kind.SPIKE, PumpStationSimulator.Kind.BROKEN_CORRELATION);
        }
        this.drift = new int[stations];
        this.stuck = new int[stations];
        this.random = new java.util.SplittableRandom(seed);
        this.anomalyRate = anomalyRate;
        this.prefix = prefix;
    }

    /** A season for the whole fleet: every station's ambient temperature moves by {@code celsius} from now on. */
    public void season(double celsius) {
        for (PumpStationSimulator s : stations) {
            s.season(celsius);
        }
    }

    public Event next(Instant time) {
        int station = (int) (next % stations.length);
        Reading r = stations[station].next();
        List<String> names = PumpStationSimulator.SENSORS;
        Map<String, Double> features = new HashMap<>(names.size() * 2);
        for (int j = 0; j < names.size(); j++) {
            features.put(names.get(j), (double) r.values()[j]);
        }
        String kind = r.kind().name();
        if (stuck[station] > 0 || (drift[station] == 0 && random.nextDouble() < anomalyRate / (2 * STUCK_READINGS))) {
            if (++stuck[station] == STUCK_READINGS) {
                stuck[station] = 0;
            }
            float[] frozen = PumpStationSimulator.setPoint();
            for (int j = 0; j < names.size(); j++) {
                features.put(names.get(j), (double) frozen[j]);
            }
            kind = "STUCK";
        } else if (drift[station] > 0 || random.nextDouble() < anomalyRate / 500) {
            double factor = 1 + 0.002 * ++drift[station];
            if (drift[station] == DRIFT_READINGS) {
                drift[station] = 0;
            }
            features.compute("flow_m3h", (k, v) -> v * factor);
            features.compute("power_kw", (k, v) -> v * factor);
            kind = "DRIFT";
        } else if (random.nextDouble() < anomalyRate / 4) {
            features.put("pressure_bar", -1 - random.nextDouble());
            kind = "OUT_OF_RANGE";
        }
        return Event.newBuilder().setEventId(prefix + (next++)).setKey("station-" + station)
                .setSource("pump-stations").setEventTime(time).setFeatures(features)
                .setContext(Map.of("injected", kind)).build();
    }
}
