package dev.mambajvm.cli;

import picocli.CommandLine;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * {@code mamba-cli --version}: the jar manifest's {@code Implementation-Version} (set by the shade
 * plugin), else {@code version.properties} filtered by Maven (running from classes, in tests).
 */
public final class VersionProvider implements CommandLine.IVersionProvider {

    /** The project version, or {@code unknown} when neither the manifest nor the resource has one. */
    public static String version() {
        String v = MambaCli.class.getPackage().getImplementationVersion();
        if (v != null && !v.isBlank()) {
            return v;
        }
        try (InputStream in = VersionProvider.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String r = p.getProperty("version");
                if (r != null && !r.isBlank() && !r.startsWith("${")) {
                    return r;
                }
            }
        } catch (IOException ignored) {
            // fall through
        }
        return "unknown";
    }

    @Override
    public String[] getVersion() {
        return new String[]{
                "mamba-cli " + version(),
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ", "
                        + System.getProperty("java.vendor") + ")",
                "OS " + System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                        + System.getProperty("os.arch"),
        };
    }
}
