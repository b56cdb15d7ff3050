package io.flowguard.model.engine;

import ai.djl.Device;
import ai.djl.engine.Engine;
import io.flowguard.model.FlowGuardException;

/**
 * Device choice: {@code auto} takes the first GPU the engine sees and falls back to the CPU; {@code cpu} and
 * {@code gpu} (or {@code gpu:N}) force one.
 */
public final class Devices {

    private Devices() {}

    public static Device select(String choice) {
        String c = choice == null ? "auto" : choice.trim().toLowerCase();
        int gpus = Engine.getInstance().getGpuCount();
        if (c.equals("auto")) {
            return gpus > 0 ? Device.gpu() : Device.cpu();
        }
        if (c.equals("cpu")) {
            return Device.cpu();
        }
        if (c.equals("gpu") || c.startsWith("gpu:")) {
            int id = c.equals("gpu") ? 0 : parseId(c.substring(4), choice);
            if (id >= gpus) {
                throw new FlowGuardException("expected a GPU the engine can see for device '" + choice + "', got "
                        + gpus + " GPU(s) with " + describeEngine());
            }
            return Device.gpu(id);
        }
        throw new FlowGuardException("expected a device auto|cpu|gpu|gpu:N, got '" + choice + "'");
    }

    private static int parseId(String s, String choice) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new FlowGuardException("expected a device auto|cpu|gpu|gpu:N, got '" + choice + "'", e);
        }
    }

    /** "PyTorch 2.7.1" and the like. */
    public static String describeEngine() {
        Engine engine = Engine.getInstance();
        return engine.getEngineName() + " " + engine.getVersion();
    }

    /**
     * Sets the engine's intra-op thread count (PyTorch's {@code torch.set_num_threads}) and returns the previous
     * one, or -1 when the engine is not PyTorch. Scoring next to a Kafka broker on a small machine wants 1: the
     * engine's OpenMP workers spin between operators and take the cores the broker and the stream threads need.
     */
    public static int setIntraOpThreads(int threads) {
        Engine.getInstance();
        try {
            Class<?> jni = Class.forName("ai.djl.pytorch.jni.JniUtils");
            int previous = (Integer) jni.getMethod("getNumThreads").invoke(null);
            jni.getMethod("setNumThreads", int.class).invoke(null, threads);
            return previous;
        } catch (ReflectiveOperationException | LinkageError notPyTorch) {
            return -1;
        }
    }
}
