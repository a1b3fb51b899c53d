package dev.mambajvm.model;

import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.Devices;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One fixture checkpoint loaded on each of the test devices (the JVM backend and the first OpenCL
 * device: PoCL in CI), for a test class to open once and close after its last test.
 */
final class FixtureModels implements AutoCloseable {
    /** The devices every model test runs on. */
    static final String[] DEVICES = {"jvm", "opencl:0"};

    private final Map<String, Device> devices = new LinkedHashMap<>();
    private final Map<String, MambaModel> models = new LinkedHashMap<>();

    FixtureModels(Path dir) throws Exception {
        for (String id : DEVICES) {
            Device d = Devices.open(id);
            devices.put(id, d);
            models.put(id, MambaModel.load(d, dir));
        }
    }

    MambaModel get(String deviceId) {
        return models.get(deviceId);
    }

    @Override
    public void close() {
        models.values().forEach(MambaModel::close);
        devices.values().forEach(Device::close);
    }
}
