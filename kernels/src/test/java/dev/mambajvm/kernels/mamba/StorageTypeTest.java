package dev.mambajvm.kernels.mamba;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The bit-level conversions kernels run on every backend, against the JDK's own. */
class StorageTypeTest {

    @Test
    void halfBitsToFloatMatchesTheJdkForAll65536Halves() {
        for (int bits = 0; bits < 1 << 16; bits++) {
            float expected = Float.float16ToFloat((short) bits);
            float actual = StorageType.halfBitsToFloat(bits);
            // NaNs: the same payload, as the JDK widens it; everything else bit for bit (signed zeros too).
            assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(actual),
                    "half bits 0x" + Integer.toHexString(bits));
        }
    }

    @Test
    void unpackReadsElementsLowBitsFirst() {
        short[] halves = {Float.floatToFloat16(1.5f), Float.floatToFloat16(-2.0f), Float.floatToFloat16(65504f),
                Float.floatToFloat16(6.0e-8f)};
        short[] bf16 = {(short) (Float.floatToRawIntBits(3.0f) >>> 16), (short) (Float.floatToRawIntBits(-0.5f) >>> 16),
                (short) (Float.floatToRawIntBits(1e30f) >>> 16), (short) (Float.floatToRawIntBits(7.0f) >>> 16)};
        for (int j = 0; j < 4; j++) {
            assertEquals(Float.float16ToFloat(halves[j]), StorageType.unpack(pack(halves), StorageType.F16, j));
            assertEquals(Float.intBitsToFloat(bf16[j] << 16), StorageType.unpack(pack(bf16), StorageType.BF16, j));
        }
        long two = (Integer.toUnsignedLong(Float.floatToRawIntBits(-1.25f)) << 32)
                | Integer.toUnsignedLong(Float.floatToRawIntBits(0.1f));
        assertEquals(0.1f, StorageType.unpack(two, StorageType.F32, 0));
        assertEquals(-1.25f, StorageType.unpack(two, StorageType.F32, 1));
    }

    private static long pack(short[] four) {
        long word = 0;
        for (int j = 3; j >= 0; j--) {
            word = (word << 16) | (four[j] & 0xFFFF);
        }
        return word;
    }
}
