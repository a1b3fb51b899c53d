"""Device-to-device copy bandwidth through PyTorch, the same bytes as KernelLanguageBench's copy:
two 1 GiB float32 buffers, bandwidth counted as bytes read + bytes written, median of 20 after warm-up,
timed with CUDA events. A cross-check of the copy figure the Java harness measures itself."""
import torch

n = 1 << 28
x = torch.empty(n, device="cuda").uniform_(-1, 1)
y = torch.empty_like(x)
for _ in range(3):
    y.copy_(x)
torch.cuda.synchronize()
times = []
for _ in range(20):
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    y.copy_(x)
    end.record()
    end.synchronize()
    times.append(start.elapsed_time(end))
times.sort()
ms = times[len(times) // 2]
assert torch.equal(x, y)
print(f"torch copy {ms:.3f} ms  {2 * 4 * n / (ms * 1e6):.0f} GB/s ({torch.cuda.get_device_name()}, torch {torch.__version__})")
