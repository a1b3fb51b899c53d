package dev.mambajvm.backend.cuda;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CudaErrorsTest {
    static final Path CUDA_H = Path.of("/usr/local/cuda-13.0/include/cuda.h");

    @Test
    void namesCommonCodes() {
        assertEquals("CUDA_SUCCESS", CudaErrors.cuResultName(0));
        assertEquals("CUDA_ERROR_OUT_OF_MEMORY", CudaErrors.cuResultName(2));
        assertEquals("CUDA_ERROR_NO_DEVICE", CudaErrors.cuResultName(100));
        assertEquals("CUDA_ERROR_INVALID_PTX", CudaErrors.cuResultName(218));
        assertEquals("CUDA_ERROR_UNSUPPORTED_PTX_VERSION", CudaErrors.cuResultName(222));
        assertEquals("CUDA_ERROR_ILLEGAL_ADDRESS", CudaErrors.cuResultName(700));
        assertEquals("CUDA_ERROR_UNKNOWN", CudaErrors.cuResultName(999));
        assertEquals("CUDA_ERROR_UNRECOGNIZED_12345", CudaErrors.cuResultName(12345));
        assertEquals("NVRTC_ERROR_COMPILATION", CudaErrors.nvrtcResultName(6));
        assertEquals("NVRTC_ERROR_INVALID_OPTION", CudaErrors.nvrtcResultName(5));
        assertTrue(CudaErrors.cuResultNames().size() >= 100);
    }

    @Test
    void exceptionMessageNamesCallStatusAndCode() {
        CudaException e = new CudaException("cuModuleLoadData", 218, CudaErrors.cuResultName(218), null);
        assertEquals("cuModuleLoadData failed: CUDA_ERROR_INVALID_PTX (218)", e.getMessage());
        assertEquals(218, e.code());
        assertEquals("CUDA_ERROR_INVALID_PTX", e.codeName());
    }

    /** Every CUresult in the installed cuda.h is in the table, with the same number. */
    @Test
    void tableMatchesCudaHeader() throws Exception {
        Assumptions.assumeTrue(Files.isRegularFile(CUDA_H), "no " + CUDA_H);
        String h = Files.readString(CUDA_H);
        int start = h.indexOf("typedef enum cudaError_enum");
        int end = h.indexOf("} CUresult;", start);
        assertTrue(start >= 0 && end > start, "CUresult enum not found in cuda.h");
        Matcher m = Pattern.compile("^\\s*(CUDA_[A-Z0-9_]+)\\s*=\\s*(\\d+)", Pattern.MULTILINE).matcher(h.substring(start, end));
        Map<Integer, String> header = new LinkedHashMap<>();
        while (m.find()) {
            header.put(Integer.parseInt(m.group(2)), m.group(1));
        }
        assertTrue(header.size() >= 100, "parsed only " + header.size() + " codes");
        header.forEach((code, name) -> assertEquals(name, CudaErrors.cuResultName(code), "code " + code));
    }
}
