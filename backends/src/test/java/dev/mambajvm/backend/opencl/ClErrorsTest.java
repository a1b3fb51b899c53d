package dev.mambajvm.backend.opencl;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClErrorsTest {

    @Test
    void namesTheStandardCodes() {
        assertEquals("CL_SUCCESS", ClErrors.name(0));
        assertEquals("CL_DEVICE_NOT_FOUND", ClErrors.name(-1));
        assertEquals("CL_BUILD_PROGRAM_FAILURE", ClErrors.name(-11));
        assertEquals("CL_MISALIGNED_SUB_BUFFER_OFFSET", ClErrors.name(-13));
        assertEquals("CL_KERNEL_ARG_INFO_NOT_AVAILABLE", ClErrors.name(-19));
        assertEquals("CL_INVALID_VALUE", ClErrors.name(-30));
        assertEquals("CL_INVALID_KERNEL_ARGS", ClErrors.name(-52));
        assertEquals("CL_INVALID_WORK_GROUP_SIZE", ClErrors.name(-54));
        assertEquals("CL_INVALID_GLOBAL_WORK_SIZE", ClErrors.name(-63));
        assertEquals("CL_INVALID_DEVICE_QUEUE", ClErrors.name(-70));
        assertEquals("CL_MAX_SIZE_RESTRICTION_EXCEEDED", ClErrors.name(-72));
        assertEquals("CL_PLATFORM_NOT_FOUND_KHR", ClErrors.name(-1001));
    }

    @Test
    void tableIsCompleteAndUnique() {
        Map<Integer, String> all = ClErrors.all();
        // cl.h defines 0..-19 and -30..-72 without gaps.
        for (int code = 0; code >= -19; code--) {
            assertTrue(all.containsKey(code), "missing " + code);
        }
        for (int code = -30; code >= -72; code--) {
            assertTrue(all.containsKey(code), "missing " + code);
        }
        assertEquals(all.size(), new HashSet<>(all.values()).size(), "names are unique");
        all.values().forEach(n -> assertTrue(n.startsWith("CL_"), n));
    }

    @Test
    void unknownCodesAreSaidSo() {
        assertEquals("CL_UNKNOWN_ERROR", ClErrors.name(-9999));
        assertEquals("CL_UNKNOWN_ERROR (-25)", ClErrors.describe(-25));
    }

    @Test
    void exceptionNamesCallAndError() {
        OpenClException e = new OpenClException("clBuildProgram", -11);
        assertEquals("clBuildProgram failed: CL_BUILD_PROGRAM_FAILURE (-11)", e.getMessage());
        assertEquals("clBuildProgram", e.call());
        assertEquals(-11, e.code());
        assertEquals("clCreateBuffer failed: CL_INVALID_BUFFER_SIZE (-61) (0 bytes)",
                new OpenClException("clCreateBuffer", -61, "0 bytes").getMessage());
    }
}
