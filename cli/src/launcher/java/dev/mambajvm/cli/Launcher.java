package dev.mambajvm.cli;

/**
 * The jar's entry point, compiled for Java 8 so that any JVM can load it: on a Java older than 25
 * it says which Java it found and how to get the right one, instead of an
 * UnsupportedClassVersionError; on 25 or newer it hands over to {@code MambaCli}.
 */
public final class Launcher {
    private static final int REQUIRED = 25;

    private Launcher() {
    }

    public static void main(String[] args) throws Throwable {
        String spec = System.getProperty("java.specification.version", "0");
        int major = Integer.parseInt(spec.startsWith("1.") ? spec.substring(2) : spec.split("\\.")[0]);
        if (major < REQUIRED) {
            System.err.println("mamba-cli needs Java " + REQUIRED + " or newer, but this is Java " + spec + " ("
                    + System.getProperty("java.home") + "). Run ./mamba-cli from the repository (it finds a JDK 25),"
                    + " or start the jar with a JDK 25's java, e.g. /usr/lib/jvm/temurin-25-jdk-amd64/bin/java -jar"
                    + " mamba-cli.jar");
            System.exit(1);
        }
        try {
            Class.forName("dev.mambajvm.cli.MambaCli").getMethod("main", String[].class).invoke(null, (Object) args);
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
