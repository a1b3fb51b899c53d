package dev.mambajvm.backend;

/**
 * A scalar kernel argument whose value may change between replays of a {@link LaunchSequence}
 * (a decode position, say). The launch reads {@link #value()} when it is issued or replayed.
 */
public final class Scalar {
    private final String type;
    private volatile Number value;

    private Scalar(String type, Number value) {
        this.type = type;
        this.value = value;
    }

    public static Scalar ofInt(int value) {
        return new Scalar("int", value);
    }

    public static Scalar ofLong(long value) {
        return new Scalar("long", value);
    }

    public static Scalar ofFloat(float value) {
        return new Scalar("float", value);
    }

    /** {@code int}, {@code long} or {@code float}. */
    public String type() {
        return type;
    }

    public Number value() {
        return value;
    }

    public void set(int v) {
        require("int");
        value = v;
    }

    public void set(long v) {
        require("long");
        value = v;
    }

    public void set(float v) {
        require("float");
        value = v;
    }

    private void require(String t) {
        if (!type.equals(t)) {
            throw new IllegalArgumentException("this Scalar holds a " + type + ", not a " + t);
        }
    }
}
