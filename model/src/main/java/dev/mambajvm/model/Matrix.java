package dev.mambajvm.model;

import dev.mambajvm.backend.DeviceBuffer;
import dev.mambajvm.kernels.mamba.StorageType;

/**
 * A weight matrix on the device, nn.Linear layout (rows = out_features, cols = in_features),
 * row-major, kept in the checkpoint's element type.
 *
 * @param type {@link StorageType} code: F32, F16 or BF16
 */
public record Matrix(DeviceBuffer buffer, int type, int rows, int cols) {
}
